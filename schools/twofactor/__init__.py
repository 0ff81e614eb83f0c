"""Two-factor sign-in (issue 16, docs/adr/0028): an authenticator app (TOTP), security keys and
passkeys (WebAuthn) and single-use recovery codes, required of every role that reaches
children's records, allegations or other people's accounts."""
