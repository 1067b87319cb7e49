-- Verified domains (issue 31): a domain an organization claims, proved by a
-- TXT record at _orgportal-challenge.<domain>; at most one organization holds
-- a domain verified. The join policy says what people with a verified
-- address there may do; join_role is the role they get.
CREATE TABLE org_domains (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    challenge TEXT NOT NULL,
    verified_at TIMESTAMP,
    -- The last lookup, by a person's Verify or by the daily re-check.
    checked_at TIMESTAMP,
    -- The first failed re-check of a verified domain in the current streak.
    failing_since TIMESTAMP,
    -- none, suggest, automatic
    join_policy TEXT NOT NULL,
    join_role TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX org_domains_org_domain ON org_domains (org_id, domain);
-- The first organization to prove a domain holds it; sign-in looks it up here.
CREATE UNIQUE INDEX org_domains_verified ON org_domains (domain) WHERE verified_at IS NOT NULL;
-- The daily re-check finds the verified domains it has not looked at today.
CREATE INDEX org_domains_checked ON org_domains (checked_at) WHERE verified_at IS NOT NULL;

-- Someone with a verified address at a domain whose policy is "suggest"
-- asked to join; an admin approves or declines on the Members page.
CREATE TABLE join_requests (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    domain TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
