// The system OpenSSL 3 (Debian's libssl-dev): the national algorithms SM2, SM3 and SM4, which swift-crypto lacks.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
