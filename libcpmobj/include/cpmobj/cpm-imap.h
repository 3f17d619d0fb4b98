/* libcpmobj — a small IMAP client: the storing side of a Message Storage
 * Client (OMA CPM Message Store 2.2, section 6: 6.1.1 authenticate, 6.3.1
 * object store, 6.3.2 object fetch, 6.4.1 folder create).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_IMAP_H
#define CPM_IMAP_H

#include <cpmobj/cpm-common.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * CPM_IMAP_ERROR:
 *
 * Error domain for what an IMAP server answered or how the connection failed.
 * Codes are #CpmImapError. The message carries the server's own text.
 */
#define CPM_IMAP_ERROR (cpm_imap_error_quark ())
CPM_EXPORT GQuark cpm_imap_error_quark (void);

/**
 * CpmImapError:
 * @CPM_IMAP_ERROR_NO: the server refused the command (tagged NO)
 * @CPM_IMAP_ERROR_BAD: the server did not understand the command (tagged BAD)
 * @CPM_IMAP_ERROR_OVERQUOTA: NO [OVERQUOTA]: the store is full
 * @CPM_IMAP_ERROR_TRYCREATE: NO [TRYCREATE]: the folder does not exist
 * @CPM_IMAP_ERROR_AUTH: login refused
 * @CPM_IMAP_ERROR_CLOSED: the connection is gone (BYE, EOF, socket error);
 *   the client cannot be used any more
 * @CPM_IMAP_ERROR_TLS: the TLS handshake or the certificate check failed
 * @CPM_IMAP_ERROR_PROTOCOL: the server's answer does not follow RFC 3501
 * @CPM_IMAP_ERROR_UNSUPPORTED: the server lacks an extension the
 *   specification requires (UIDPLUS) or the request needs (BINARY)
 * @CPM_IMAP_ERROR_URL: the URL is not imap:// or imaps://
 */
typedef enum {
  CPM_IMAP_ERROR_NO,
  CPM_IMAP_ERROR_BAD,
  CPM_IMAP_ERROR_OVERQUOTA,
  CPM_IMAP_ERROR_TRYCREATE,
  CPM_IMAP_ERROR_AUTH,
  CPM_IMAP_ERROR_CLOSED,
  CPM_IMAP_ERROR_TLS,
  CPM_IMAP_ERROR_PROTOCOL,
  CPM_IMAP_ERROR_UNSUPPORTED,
  CPM_IMAP_ERROR_URL,
} CpmImapError;

/**
 * CpmImapConnectFlags:
 * @CPM_IMAP_CONNECT_DEFAULT: check the server certificate; use STARTTLS on
 *   imap:// when the server offers it
 * @CPM_IMAP_CONNECT_INSECURE: accept any server certificate (test servers)
 * @CPM_IMAP_CONNECT_REQUIRE_TLS: refuse to log in on imap:// without STARTTLS
 */
typedef enum {
  CPM_IMAP_CONNECT_DEFAULT = 0,
  CPM_IMAP_CONNECT_INSECURE = 1 << 0,
  CPM_IMAP_CONNECT_REQUIRE_TLS = 1 << 1,
} CpmImapConnectFlags;

/**
 * CpmImapClient:
 *
 * One IMAP connection. Opaque, reference counted; blocking calls, one
 * command at a time. Not thread-safe.
 */
typedef struct _CpmImapClient CpmImapClient;

/**
 * CpmImapAppendItem:
 * @data: the object's bytes (an RFC 5322 message)
 * @flags: (nullable) (array zero-terminated=1): flags and keywords, e.g. "\\Seen"
 * @internal_date: (nullable): the INTERNALDATE to give the object
 * @uid: (out): the UID the server assigned (APPENDUID), set on success
 *
 * One object of cpm_imap_client_append_many().
 */
typedef struct {
  GBytes *data;
  const char *const *flags;
  GDateTime *internal_date;
  guint32 uid;
} CpmImapAppendItem;

/**
 * cpm_imap_client_new:
 *
 * Returns: (transfer full): a client that is not connected yet.
 */
CPM_EXPORT CpmImapClient *cpm_imap_client_new (void);

/**
 * cpm_imap_client_ref:
 * Returns: (transfer full): @client
 */
CPM_EXPORT CpmImapClient *cpm_imap_client_ref (CpmImapClient *client);

/**
 * cpm_imap_client_unref:
 *
 * Drops a reference; the last one closes the connection (without LOGOUT).
 */
CPM_EXPORT void cpm_imap_client_unref (CpmImapClient *client);

/**
 * cpm_imap_client_set_ca_file:
 * @path: (nullable): PEM file of trusted certificates, or %NULL for the
 *   system's trust store
 *
 * Must be called before cpm_imap_client_connect().
 *
 * Returns: %FALSE when the file cannot be read.
 */
CPM_EXPORT gboolean cpm_imap_client_set_ca_file (CpmImapClient *client, const char *path,
                                                 GError **error);

/**
 * cpm_imap_client_set_timeout:
 * @seconds: I/O timeout per read or write, 0 for none (the default is 60)
 */
CPM_EXPORT void cpm_imap_client_set_timeout (CpmImapClient *client, guint seconds);

/**
 * cpm_imap_client_connect:
 * @url: "imaps://HOST[:PORT]" (TLS from the first byte, 6.1.1) or
 *   "imap://HOST[:PORT]" (STARTTLS when offered)
 *
 * Connects, reads the greeting and the capabilities.
 *
 * Returns: %TRUE when connected and not yet authenticated (or PREAUTH).
 */
CPM_EXPORT gboolean cpm_imap_client_connect (CpmImapClient *client, const char *url,
                                             CpmImapConnectFlags flags,
                                             GCancellable *cancellable, GError **error);

/**
 * cpm_imap_client_is_tls:
 * Returns: %TRUE when the connection is encrypted.
 */
CPM_EXPORT gboolean cpm_imap_client_is_tls (CpmImapClient *client);

/**
 * cpm_imap_client_has_capability:
 * @name: a capability, case-insensitive ("UIDPLUS", "AUTH=PLAIN")
 *
 * Returns: %TRUE when the server announced @name.
 */
CPM_EXPORT gboolean cpm_imap_client_has_capability (CpmImapClient *client, const char *name);

/**
 * cpm_imap_client_login:
 * @user: the user name
 * @password: the password; it is never logged nor put into an error message
 *
 * Authenticates with AUTHENTICATE PLAIN when the server offers it, else with
 * LOGIN (6.1.1), then checks that the server has UIDPLUS (section 6 makes it
 * a SHALL).
 *
 * Returns: %TRUE when authenticated.
 */
CPM_EXPORT gboolean cpm_imap_client_login (CpmImapClient *client, const char *user,
                                           const char *password, GError **error);

/**
 * cpm_imap_client_get_separator:
 *
 * Asks the server for its hierarchy separator (LIST "" "") once.
 *
 * Returns: the separator character, or 0 on error (or a flat namespace:
 *   then @error stays unset).
 */
CPM_EXPORT char cpm_imap_client_get_separator (CpmImapClient *client, GError **error);

/**
 * cpm_imap_client_create:
 * @folder: a folder name, levels joined by "/"
 *
 * Creates @folder and every parent it needs, with the server's separator.
 * A folder that already exists is not an error.
 *
 * Returns: %TRUE when the folder exists afterwards.
 */
CPM_EXPORT gboolean cpm_imap_client_create (CpmImapClient *client, const char *folder,
                                            GError **error);

/**
 * cpm_imap_client_append:
 * @folder: the target folder, levels joined by "/"
 * @data: the object's bytes
 * @flags: (nullable) (array zero-terminated=1): flags and keywords
 * @internal_date: (nullable): the INTERNALDATE
 * @uidvalidity: (out) (optional): the folder's UIDVALIDITY from APPENDUID
 * @uid: (out) (optional): the object's UID from APPENDUID
 *
 * Stores one object (6.3.1), with a LITERAL+ literal when offered.
 *
 * Returns: %TRUE when stored; an answer without APPENDUID is an error
 *   (%CPM_IMAP_ERROR_UNSUPPORTED) although the object was stored.
 */
CPM_EXPORT gboolean cpm_imap_client_append (CpmImapClient *client, const char *folder,
                                            GBytes *data, const char *const *flags,
                                            GDateTime *internal_date, guint32 *uidvalidity,
                                            guint32 *uid, GError **error);

/**
 * cpm_imap_client_append_many:
 * @items: (array length=n_items): the objects; each one's uid is set
 * @uidvalidity: (out) (optional): the folder's UIDVALIDITY
 *
 * Stores several objects in one folder with one MULTIAPPEND command when the
 * server offers it (all or nothing, RFC 3502), else one APPEND each (then an
 * error leaves the earlier items stored with their uid set, the later ones
 * with uid 0).
 *
 * Returns: %TRUE when every item was stored.
 */
CPM_EXPORT gboolean cpm_imap_client_append_many (CpmImapClient *client, const char *folder,
                                                 CpmImapAppendItem *items, guint n_items,
                                                 guint32 *uidvalidity, GError **error);

/**
 * cpm_imap_client_select:
 * @folder: levels joined by "/"
 * @uidvalidity: (out) (optional): the folder's UIDVALIDITY
 *
 * Makes @folder the active folder (6.1.2), unless it already is.
 *
 * Returns: %TRUE when selected.
 */
CPM_EXPORT gboolean cpm_imap_client_select (CpmImapClient *client, const char *folder,
                                            guint32 *uidvalidity, GError **error);

/**
 * cpm_imap_client_search_header:
 * @folder: levels joined by "/"
 * @name: a header field name ("IMDN-Message-ID")
 * @value: the text the field must contain
 * @uidvalidity: (out) (optional): the folder's UIDVALIDITY
 *
 * UID SEARCH HEADER in @folder.
 *
 * Returns: (transfer full): the matching UIDs (guint32), or %NULL on error.
 */
CPM_EXPORT GArray *cpm_imap_client_search_header (CpmImapClient *client, const char *folder,
                                                  const char *name, const char *value,
                                                  guint32 *uidvalidity, GError **error);

/**
 * cpm_imap_client_get_message_count:
 *
 * Returns: how many objects the active folder holds (its last EXISTS), 0
 *   when no folder is active.
 */
CPM_EXPORT guint cpm_imap_client_get_message_count (CpmImapClient *client);

/**
 * cpm_imap_client_has_uid:
 * @folder: levels joined by "/"
 * @uid: a UID
 * @exists: (out): whether @folder holds an object with @uid
 *
 * UID SEARCH UID in @folder.
 *
 * Returns: %FALSE on error (then @exists is not set).
 */
CPM_EXPORT gboolean cpm_imap_client_has_uid (CpmImapClient *client, const char *folder,
                                             guint32 uid, gboolean *exists, GError **error);

/**
 * cpm_imap_client_fetch:
 * @folder: levels joined by "/"
 * @uid: the object's UID
 *
 * UID FETCH BODY.PEEK[] (6.3.2): the object byte for byte.
 *
 * Returns: (transfer full): the object, or %NULL with @error set
 *   (%CPM_IMAP_ERROR_NO when there is no such UID).
 */
CPM_EXPORT GBytes *cpm_imap_client_fetch (CpmImapClient *client, const char *folder,
                                          guint32 uid, GError **error);

/**
 * cpm_imap_client_logout:
 *
 * Sends LOGOUT and closes the connection.
 *
 * Returns: %TRUE when the server confirmed.
 */
CPM_EXPORT gboolean cpm_imap_client_logout (CpmImapClient *client, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmImapClient, cpm_imap_client_unref)

G_END_DECLS

#endif
