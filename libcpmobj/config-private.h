/* Included first by every library source file.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CONFIG_PRIVATE_H
#define CPM_CONFIG_PRIVATE_H

#ifndef CPM_COMPILATION
#error "private header: only for the library's own sources"
#endif

#endif
