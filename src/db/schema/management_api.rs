//! The management API's tables (migration 000020): organization API keys and
//! the answers kept for Idempotency-Key.

diesel::table! {
    api_keys (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        token_hash -> Text,
        permissions -> Text,
        created_by -> Text,
        creator_name -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_idempotency (api_key_id, idempotency_key) {
        api_key_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}
