//! Which tables join which (foreign keys) and may appear in one query.

use super::*;

diesel::joinable!(users_search_docs -> users (user_id));
diesel::joinable!(users_search_docs -> users_search (doc));
diesel::joinable!(identities -> users (user_id));
diesel::joinable!(org_domains -> organizations (org_id));
diesel::joinable!(sso_connections -> organizations (org_id));
diesel::joinable!(join_requests -> users (user_id));
diesel::joinable!(join_requests -> organizations (org_id));
diesel::joinable!(project_tokens -> projects (project_id));
diesel::joinable!(project_tokens -> users (created_by));
diesel::joinable!(project_grants -> projects (project_id));
diesel::joinable!(project_invitations -> projects (project_id));
diesel::joinable!(usage_records -> projects (project_id));
diesel::joinable!(usage_monthly -> projects (project_id));
diesel::joinable!(project_owners -> projects (project_id));
diesel::joinable!(billed_members -> users (user_id));
diesel::joinable!(billed_members -> organizations (org_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(security_events -> users (user_id));
diesel::joinable!(memberships -> organizations (org_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(invitations -> organizations (org_id));
diesel::joinable!(invitations -> users (invited_by));
diesel::joinable!(mail_outbox -> invitations (invitation_id));

diesel::joinable!(customer_contacts -> customers (customer_id));
diesel::joinable!(entitlements -> customers (customer_id));
diesel::joinable!(tickets -> customers (customer_id));
diesel::joinable!(invoices -> customers (customer_id));
diesel::joinable!(billing_details -> organizations (org_id));
diesel::joinable!(payment_methods -> organizations (org_id));
diesel::joinable!(service_tokens -> organizations (org_id));
diesel::joinable!(service_tokens -> users (created_by));
diesel::joinable!(api_keys -> organizations (org_id));
diesel::joinable!(api_idempotency -> api_keys (api_key_id));
diesel::joinable!(webhook_endpoints -> organizations (org_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(scim_tokens -> organizations (org_id));
diesel::joinable!(scim_users -> users (user_id));
diesel::joinable!(scim_users -> organizations (org_id));
diesel::joinable!(scim_groups -> organizations (org_id));
diesel::joinable!(scim_group_members -> scim_groups (group_id));
diesel::joinable!(scim_group_members -> scim_users (scim_user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    identities,
    organizations,
    memberships,
    activity,
    invitations,
    mail_outbox,
    customers,
    customer_contacts,
    entitlements,
    tickets,
    service_tokens,
    staff,
    sessions,
    security_events,
    projects,
    project_grants,
    project_tokens,
    project_invitations,
    billing_details,
    payment_methods,
    provider_events,
    invoices,
    project_owners,
    usage_records,
    usage_monthly,
    usage_org_monthly,
    billed_members,
    activity_facets,
    users_search_docs,
    users_search,
    api_keys,
    api_idempotency,
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    org_domains,
    join_requests,
    sso_connections,
    scim_tokens,
    scim_users,
    scim_groups,
    scim_group_members,
);
