// Hand-written so that one schema serves both backends: ids are UUIDs stored
// as text, times are UTC timestamps.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_verified -> Bool,
        name -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Timestamp,
    }
}

diesel::table! {
    identities (id) {
        id -> Text,
        user_id -> Text,
        provider -> Text,
        subject -> Text,
        email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        owner_id -> Text,
        created_at -> Timestamp,
        member_count -> Integer,
        members_version -> BigInt,
        sso_required -> Nullable<Text>,
        waiting_version -> BigInt,
        facets_version -> BigInt,
        billing_version -> BigInt,
    }
}

diesel::table! {
    memberships (org_id, user_id) {
        org_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
        default_project_role -> Nullable<Text>,
        added_by -> Nullable<Text>,
    }
}

diesel::table! {
    activity (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        action -> Text,
        target -> Text,
        details -> Text,
        ip -> Text,
        created_at -> Timestamp,
        actor_name -> Nullable<Text>,
        via -> Nullable<Text>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        org_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        responded_by -> Nullable<Text>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        invitation_id -> Nullable<Text>,
        project_invitation_id -> Nullable<Text>,
        to_addr -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        state -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        external_id -> Text,
        name -> Text,
        org_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_contacts (id) {
        id -> Text,
        customer_id -> Text,
        email -> Text,
        name -> Text,
        portal_role -> Text,
    }
}

diesel::table! {
    entitlements (id) {
        id -> Text,
        customer_id -> Text,
        product -> Text,
        support_level -> Text,
        starts_on -> Date,
        ends_on -> Date,
        quantity -> Integer,
        price_minor -> Nullable<BigInt>,
        price_currency -> Nullable<Text>,
    }
}

diesel::table! {
    project_owners (project_id, since) {
        project_id -> Text,
        since -> Timestamp,
        org_id -> Nullable<Text>,
        owner_user_id -> Nullable<Text>,
        until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    usage_records (project_id, record_id) {
        project_id -> Text,
        record_id -> Text,
        metric -> Text,
        quantity -> BigInt,
        day -> Date,
        received_at -> Timestamp,
    }
}

diesel::table! {
    usage_monthly (project_id, month, metric, payer_org_id, via_user_id) {
        project_id -> Text,
        month -> Date,
        metric -> Text,
        payer_org_id -> Text,
        via_user_id -> Text,
        quantity -> BigInt,
    }
}

diesel::table! {
    usage_org_monthly (org_id, month, space, metric) {
        org_id -> Text,
        month -> Date,
        space -> Text,
        metric -> Text,
        quantity -> BigInt,
    }
}

diesel::table! {
    activity_facets (scope, kind, value) {
        scope -> Text,
        kind -> Text,
        value -> Text,
    }
}

diesel::table! {
    tickets (id) {
        id -> Text,
        customer_id -> Text,
        number -> Text,
        subject -> Text,
        status -> Text,
        priority -> Text,
        opened_at -> Timestamp,
        updated_at -> Timestamp,
        description -> Text,
        source -> Text,
        raised_by -> Nullable<Text>,
        closed -> Bool,
    }
}

diesel::table! {
    service_tokens (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff (email) {
        email -> Text,
        added_at -> Timestamp,
        can_provision -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ip -> Text,
        user_agent -> Text,
        provider -> Text,
    }
}

diesel::table! {
    security_events (id) {
        id -> Text,
        user_id -> Text,
        action -> Text,
        ip -> Text,
        user_agent -> Text,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        owner_user_id -> Nullable<Text>,
        name -> Text,
        slug -> Text,
        description -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        team_version -> BigInt,
    }
}

diesel::table! {
    project_grants (project_id, user_id) {
        project_id -> Text,
        user_id -> Text,
        role -> Text,
        direct -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_invitations (id) {
        id -> Text,
        project_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        responded_by -> Nullable<Text>,
    }
}

diesel::table! {
    project_tokens (id) {
        id -> Text,
        project_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

// SQLite only (migrations 000015, 000018): the member search index.
// `users_search_docs` holds each user's name and address under a document
// number; `users_search` is an FTS5 table over it (external content).
diesel::table! {
    users_search_docs (doc) {
        doc -> BigInt,
        user_id -> Text,
        name -> Text,
        email -> Text,
    }
}

diesel::table! {
    users_search (rowid) {
        rowid -> BigInt,
        /// The hidden column named as the table: `users_search MATCH ?`
        /// searches every column.
        #[sql_name = "users_search"]
        any_column -> Text,
        name -> Text,
        email -> Text,
    }
}

mod billing;
mod domains;
mod management_api;
mod relations;
mod scim;
mod webhooks;

pub use billing::{billed_members, billing_details, invoices, payment_methods, provider_events};
pub use domains::{join_requests, org_domains, sso_connections};
pub use management_api::{api_idempotency, api_keys};
pub use scim::{scim_group_members, scim_groups, scim_tokens, scim_users};
pub use webhooks::{webhook_deliveries, webhook_endpoints, webhook_events};
