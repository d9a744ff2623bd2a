-- A mapping's MFA freshness limit (seconds), with require_mfa: an older MFA sign-in answers step_up_required.
ALTER TABLE "group_mappings" ADD COLUMN "mfa_max_age_seconds" INTEGER;
