"""Models that are not tenant-owned, each with the reason. Every other model must inherit TenantModel.

tests/test_model_registry.py fails when a model is neither tenant-owned nor listed here.
"""

GLOBAL_MODELS: dict[str, str] = {
    "alliances.Alliance": "the tenant itself: scopes are made of alliance ids",
    "alliances.User": "accounts are platform-wide; what a user may do in an alliance comes from tenant-owned grants",
    "auth.Group": "unused Django machinery; roles live in the permission matrix",
    "auth.Permission": "Django machinery for the platform admin",
    "contenttypes.ContentType": "Django machinery",
    "sessions.Session": "a session belongs to a user, not an alliance",
    "admin.LogEntry": "platform operators' admin history",
    "authtoken.Token": "an API token belongs to a user; each request is then scoped by the alliance in its path",
    "authtoken.TokenProxy": "admin proxy of authtoken.Token",
    "otp_totp.TOTPDevice": "a second-factor device belongs to an account, which is platform-wide",
    "axes.AccessAttempt": "failed-login tracking happens before anyone is in an alliance",
    "axes.AccessFailureLog": "failed-login tracking happens before anyone is in an alliance",
    "axes.AccessLog": "login tracking happens before anyone is in an alliance",
    "axes.AccessAttemptExpiration": "failed-login tracking happens before anyone is in an alliance",
    "members.Division": "reference data (GB/T 2260 division codes), the same for every alliance",
    "members.IndustrySection": "reference data (GB/T 4754-2017 sections), the same for every alliance",
    "members.IndustryDivision": "reference data (GB/T 4754-2017 divisions), the same for every alliance",
    "members.SpecialtyCategory": "reference data (specialty catalogue 2021), the same for every alliance",
    "members.SpecialtyClass": "reference data (specialty catalogue 2021), the same for every alliance",
    "members.Specialty": "reference data (specialty catalogue 2021), the same for every alliance",
    "members.ReferenceDataVersion": "which version of the shared reference files is loaded",
}

# Tenant-scoped models whose alliance may be empty, with the reason.
NULLABLE_ALLIANCE_MODELS: dict[str, str] = {
    "alliances.AuditEntry": "platform events (logins, platform administration) concern no alliance",
}
