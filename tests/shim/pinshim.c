/*
 * pinshim: a PKCS#11 module for tests that forwards every call to a real
 * module (SoftHSM) and changes three things, each driven by the
 * environment, so that certhelp's PIN care can be proven rather than
 * assumed (SoftHSM itself has no PIN counters):
 *
 *   PINSHIM_MODULE     the real module to load (required)
 *   PINSHIM_FLAGS      token flags ORed into C_GetTokenInfo, e.g. 0x10000
 *                      (CKF_USER_PIN_COUNT_LOW), 0x20000 (_FINAL_TRY),
 *                      0x40000 (_LOCKED)
 *   PINSHIM_LOGINS     a file that gets one line per C_Login call
 *   PINSHIM_FAIL_CERT  when set, C_CreateObject of a certificate fails with
 *                      CKR_DEVICE_MEMORY (a token that fills up mid-import)
 *   PINSHIM_NO_UNWRAP  when set, C_UnwrapKey answers CKR_FUNCTION_NOT_SUPPORTED
 *                      (as most smart cards do)
 *   PINSHIM_REMOVE_AT  FUNCTION:N, e.g. C_CreateObject:2: the token is pulled
 *                      out during the Nth call of FUNCTION in this process.
 *                      That call and every later call of the functions below
 *                      that reach the token answer CKR_DEVICE_REMOVED, as a
 *                      reader does once its card is gone; nothing reaches
 *                      SoftHSM any more, so what was written before stays
 *                      (the token "re-inserted" is SoftHSM without the shim).
 *
 * Only the few PKCS#11 declarations it needs are written here (PKCS#11
 * 2.40 layout, LP64), to need no header package.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef struct {
    unsigned char major, minor;
} CK_VERSION;

/* CK_FUNCTION_LIST: a version, then the 68 functions of PKCS#11 2.40. */
#define N_FUNCTIONS 68
#define IX_GET_FUNCTION_LIST 3
#define IX_GET_TOKEN_INFO 6
#define IX_LOGIN 18
#define IX_CREATE_OBJECT 20
#define IX_UNWRAP_KEY 61
typedef struct {
    CK_VERSION version;
    void *f[N_FUNCTIONS];
} FunctionList;

/* The start of CK_TOKEN_INFO, up to its flags. */
typedef struct {
    unsigned char label[32], manufacturer[32], model[16], serial[16];
    CK_ULONG flags;
} TokenInfoHead;

typedef struct {
    CK_ULONG type;
    void *value;
    CK_ULONG len;
} Attribute;

#define CKR_OK 0UL
#define CKR_GENERAL_ERROR 5UL
#define CKR_DEVICE_MEMORY 0x31UL
#define CKR_FUNCTION_NOT_SUPPORTED 0x54UL
#define CKR_DEVICE_REMOVED 0x32UL
#define CKA_CLASS 0UL
#define CKO_CERTIFICATE 1UL

typedef CK_RV (*GetFunctionList)(FunctionList **);
typedef CK_RV (*GetTokenInfo)(CK_ULONG slot, TokenInfoHead *info);
typedef CK_RV (*Login)(CK_ULONG session, CK_ULONG user, unsigned char *pin, CK_ULONG len);
typedef CK_RV (*CreateObject)(CK_ULONG session, Attribute *t, CK_ULONG n, CK_ULONG *object);

static FunctionList shim;
static FunctionList *real;

/* PINSHIM_REMOVE_AT: true when the token is gone by (or during) this call
 * of `name`. */
static int removed;
static unsigned long calls;
static int gone(const char *name) {
    const char *at = getenv("PINSHIM_REMOVE_AT");
    const char *colon = at ? strchr(at, ':') : NULL;
    if (removed)
        return 1;
    if (!colon || strlen(name) != (size_t)(colon - at) || strncmp(at, name, colon - at) != 0)
        return 0;
    if (++calls == strtoul(colon + 1, NULL, 10))
        removed = 1;
    return removed;
}

/* A forwarding function that first checks whether the token is gone. */
#define GUARDED(ix, name, params, args)                                                                                \
    typedef CK_RV (*name##_fn) params;                                                                                 \
    static CK_RV shim_##name params {                                                                                  \
        if (gone(#name))                                                                                               \
            return CKR_DEVICE_REMOVED;                                                                                 \
        return ((name##_fn)real->f[ix])args;                                                                           \
    }
typedef unsigned char Byte;
GUARDED(12, C_OpenSession, (CK_ULONG slot, CK_ULONG flags, void *app, void *notify, CK_ULONG *s),
        (slot, flags, app, notify, s))
GUARDED(22, C_DestroyObject, (CK_ULONG s, CK_ULONG o), (s, o))
GUARDED(24, C_GetAttributeValue, (CK_ULONG s, CK_ULONG o, Attribute *t, CK_ULONG n), (s, o, t, n))
GUARDED(25, C_SetAttributeValue, (CK_ULONG s, CK_ULONG o, Attribute *t, CK_ULONG n), (s, o, t, n))
GUARDED(26, C_FindObjectsInit, (CK_ULONG s, Attribute *t, CK_ULONG n), (s, t, n))
GUARDED(27, C_FindObjects, (CK_ULONG s, CK_ULONG *o, CK_ULONG max, CK_ULONG *n), (s, o, max, n))
GUARDED(28, C_FindObjectsFinal, (CK_ULONG s), (s))
GUARDED(42, C_SignInit, (CK_ULONG s, void *mech, CK_ULONG key), (s, mech, key))
GUARDED(43, C_Sign, (CK_ULONG s, Byte *d, CK_ULONG dn, Byte *sig, CK_ULONG *sn), (s, d, dn, sig, sn))
GUARDED(58, C_GenerateKey, (CK_ULONG s, void *mech, Attribute *t, CK_ULONG n, CK_ULONG *k), (s, mech, t, n, k))
GUARDED(60, C_WrapKey, (CK_ULONG s, void *mech, CK_ULONG wk, CK_ULONG k, Byte *out, CK_ULONG *on),
        (s, mech, wk, k, out, on))

static CK_RV shim_get_token_info(CK_ULONG slot, TokenInfoHead *info) {
    if (gone("C_GetTokenInfo"))
        return CKR_DEVICE_REMOVED;
    CK_RV rv = ((GetTokenInfo)real->f[IX_GET_TOKEN_INFO])(slot, info);
    const char *flags = getenv("PINSHIM_FLAGS");
    if (rv == CKR_OK && info && flags)
        info->flags |= strtoul(flags, NULL, 0);
    return rv;
}

static CK_RV shim_login(CK_ULONG session, CK_ULONG user, unsigned char *pin, CK_ULONG len) {
    const char *path = getenv("PINSHIM_LOGINS");
    if (gone("C_Login"))
        return CKR_DEVICE_REMOVED;
    if (path) {
        FILE *f = fopen(path, "a");
        if (f) {
            fputs("C_Login\n", f);
            fclose(f);
        }
    }
    return ((Login)real->f[IX_LOGIN])(session, user, pin, len);
}

static CK_RV shim_create_object(CK_ULONG session, Attribute *t, CK_ULONG n, CK_ULONG *object) {
    if (gone("C_CreateObject"))
        return CKR_DEVICE_REMOVED;
    if (getenv("PINSHIM_FAIL_CERT")) {
        for (CK_ULONG i = 0; i < n; i++) {
            if (t[i].type == CKA_CLASS && t[i].len == sizeof(CK_ULONG) &&
                *(CK_ULONG *)t[i].value == CKO_CERTIFICATE)
                return CKR_DEVICE_MEMORY;
        }
    }
    return ((CreateObject)real->f[IX_CREATE_OBJECT])(session, t, n, object);
}

typedef CK_RV (*UnwrapKey)(CK_ULONG session, void *mech, CK_ULONG key, unsigned char *wrapped, CK_ULONG len,
                           Attribute *t, CK_ULONG n, CK_ULONG *object);

static CK_RV shim_unwrap_key(CK_ULONG session, void *mech, CK_ULONG key, unsigned char *wrapped, CK_ULONG len,
                             Attribute *t, CK_ULONG n, CK_ULONG *object) {
    if (gone("C_UnwrapKey"))
        return CKR_DEVICE_REMOVED;
    if (getenv("PINSHIM_NO_UNWRAP"))
        return CKR_FUNCTION_NOT_SUPPORTED;
    return ((UnwrapKey)real->f[IX_UNWRAP_KEY])(session, mech, key, wrapped, len, t, n, object);
}

CK_RV C_GetFunctionList(FunctionList **out) {
    if (!out)
        return CKR_GENERAL_ERROR;
    if (!real) {
        const char *path = getenv("PINSHIM_MODULE");
        void *lib = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
        GetFunctionList get = lib ? (GetFunctionList)dlsym(lib, "C_GetFunctionList") : NULL;
        if (!get || get(&real) != CKR_OK || !real)
            return CKR_GENERAL_ERROR;
        memcpy(&shim, real, sizeof shim);
        shim.f[IX_GET_FUNCTION_LIST] = (void *)C_GetFunctionList;
        shim.f[IX_GET_TOKEN_INFO] = (void *)shim_get_token_info;
        shim.f[IX_LOGIN] = (void *)shim_login;
        shim.f[IX_CREATE_OBJECT] = (void *)shim_create_object;
        shim.f[IX_UNWRAP_KEY] = (void *)shim_unwrap_key;
        shim.f[12] = (void *)shim_C_OpenSession;
        shim.f[22] = (void *)shim_C_DestroyObject;
        shim.f[24] = (void *)shim_C_GetAttributeValue;
        shim.f[25] = (void *)shim_C_SetAttributeValue;
        shim.f[26] = (void *)shim_C_FindObjectsInit;
        shim.f[27] = (void *)shim_C_FindObjects;
        shim.f[28] = (void *)shim_C_FindObjectsFinal;
        shim.f[42] = (void *)shim_C_SignInit;
        shim.f[43] = (void *)shim_C_Sign;
        shim.f[58] = (void *)shim_C_GenerateKey;
        shim.f[60] = (void *)shim_C_WrapKey;
    }
    *out = &shim;
    return CKR_OK;
}
