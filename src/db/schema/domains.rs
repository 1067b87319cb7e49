//! Verified domains and the join requests they allow (migration 000023);
//! an organization's own identity provider (migration 000024).

diesel::table! {
    org_domains (id) {
        id -> Text,
        org_id -> Text,
        domain -> Text,
        challenge -> Text,
        verified_at -> Nullable<Timestamp>,
        checked_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        join_policy -> Text,
        join_role -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    join_requests (org_id, user_id) {
        org_id -> Text,
        user_id -> Text,
        email -> Text,
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sso_connections (id) {
        id -> Text,
        org_id -> Text,
        kind -> Text,
        issuer -> Text,
        client_id -> Text,
        client_secret -> Text,
        domains -> Text,
        default_role -> Text,
        enabled -> Bool,
        tested_by -> Nullable<Text>,
        tested_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        required -> Bool,
    }
}
