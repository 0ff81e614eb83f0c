// Once django-otp-webauthn's script reports that the browser added a security key, go on:
// the page's form asks the server to finish (recovery codes, the email to the person).
document.addEventListener("otp_webauthn.register_complete", () => {
  const form = document.getElementById("security-key-added");
  if (form) form.submit();
});
