/* Hooks between the validator engine and the modules that own each body kind.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_VALIDATE_PRIVATE_H
#define CPM_VALIDATE_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-report.h>

G_BEGIN_DECLS

/* Each checks the body of one kind and adds diagnostics to @report, with
 * lines counted in the whole object (cpm_object_get_body_line() is the
 * body's first line). Defined by the module that owns the kind; the engine
 * calls them by kind. */
void cpm_validate_body_cpim (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_imdn (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_file_transfer (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_session_info (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_group_state (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_conference_info (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_media (const CpmObject *object, CpmProfile profile, CpmReport *report);
void cpm_validate_body_session_history (const CpmObject *object, CpmProfile profile, CpmReport *report);

G_END_DECLS

#endif
