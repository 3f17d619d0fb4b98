/* libcpmobj — the umbrella header. Include this one, not the others.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPMOBJ_H
#define CPMOBJ_H

#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-limits.h>
#include <cpmobj/cpm-report.h>
#include <cpmobj/cpm-check.h>
#include <cpmobj/cpm-header.h>
#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-cpim.h>
#include <cpmobj/cpm-builder.h>
#include <cpmobj/cpm-validate.h>
/* helpers: add your module header below this line */
#include <cpmobj/cpm-nms.h>
#include <cpmobj/cpm-source.h>
#include <cpmobj/cpm-imap.h>
#include <cpmobj/cpm-legacy.h>
#include <cpmobj/cpm-filetransfer.h>
#include <cpmobj/cpm-session.h>
#include <cpmobj/cpm-store.h>
#include <cpmobj/cpm-inspect.h>
#include <cpmobj/cpm-xml.h>
#include <cpmobj/cpm-imdn.h>
#include <cpmobj/cpm-capture.h>
#include <cpmobj/cpm-convert.h>

#endif
