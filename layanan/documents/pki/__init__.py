"""The kabupaten's local public key infrastructure: what makes a letter verifiable for
decades, by anyone, without asking us.

- ``authority``: the root CA's generations and the certificates they issue (heads' signing
  certificates, the time-stamping unit's, the OCSP responder's), each with the addresses of
  its CRL, its OCSP responder and its issuer's certificate under ``LDM_PUBLIC_URL``.
- ``revocation``: revoking a certificate, the CRL, the OCSP responder (RFC 6960).
- ``tsa``: the time-stamping unit (RFC 3161), for our signer in process and for anyone at
  ``POST /pki/tsa``; or an external TSA by configuration.
- ``keys``: private keys encrypted at rest with the PKI passphrase of the configuration.

The CA key only certifies and signs CRLs; letters are signed with the heads' own keys.
"""
