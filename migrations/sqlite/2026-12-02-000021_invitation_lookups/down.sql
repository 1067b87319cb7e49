DROP INDEX invitations_org_expiry;
DROP INDEX invitations_org_email;
