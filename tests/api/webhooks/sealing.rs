//! Signing secrets are kept sealed (ORGPORTAL_SECRETS_KEY): never as shown,
//! opened only to sign. A secret written before sealing existed is sealed at
//! the next start; a rotated key opens what the previous one sealed and the
//! start seals it anew; a key that cannot open them stops the start and says
//! which setting is missing.

use diesel::prelude::*;
use orgportal::db::schema::webhook_endpoints;
use orgportal::domain::sealed::{Sealed, SecretsKey, WEBHOOK_SECRET};

use super::{add_endpoint, Receiver};
use crate::helpers::{admin_with_org, spawn_app_with};

const A: [u8; 32] = [0xA1; 32];
const B: [u8; 32] = [0xB2; 32];

fn stored(app: &crate::helpers::TestApp) -> Vec<(String, String)> {
    webhook_endpoints::table
        .order(webhook_endpoints::created_at)
        .select((webhook_endpoints::url, webhook_endpoints::secret))
        .load(&mut *app.conn())
        .unwrap()
}

#[tokio::test]
async fn secrets_are_sealed_and_a_rotated_key_seals_them_anew() {
    let mut app = spawn_app_with(|s| {
        s.webhooks_allow_private = true;
        s.secrets_key = Some(A.to_vec());
    })
    .await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let (id, secret) = add_endpoint(&app.browser, &slug, &receiver.url, &["member.added"]).await;
    let a = SecretsKey::new(&A, None).unwrap();
    let sealed = Sealed(stored(&app)[0].1.clone());
    assert!(sealed.is_sealed() && !sealed.0.contains(&secret[6..]), "{sealed:?}");
    assert_eq!(a.open(WEBHOOK_SECRET, &sealed).unwrap(), secret);

    // An endpoint of the previous release: its secret as typed.
    let legacy = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq("0190a1b2-c3d4-7e5f-8a9b-00000000aaaa"),
            webhook_endpoints::org_id.eq(app.org_id(&slug)),
            webhook_endpoints::url.eq("https://hooks.example.com/old"),
            webhook_endpoints::description.eq(""),
            webhook_endpoints::event_types.eq("*"),
            webhook_endpoints::enabled.eq(false),
            webhook_endpoints::secret.eq(legacy),
            webhook_endpoints::created_at.eq(app.settings.clock.now() + time::Duration::seconds(1)),
        ))
        .execute(&mut *app.conn())
        .unwrap();

    // The key is rotated: B seals, A still opens; the start seals both under B.
    app.settings.secrets_key = Some(B.to_vec());
    app.settings.secrets_key_previous = Some(A.to_vec());
    app.restart().await;
    let b = SecretsKey::new(&B, None).unwrap();
    let now: Vec<Sealed> = stored(&app).into_iter().map(|(_, s)| Sealed(s)).collect();
    assert!(now.iter().all(|s| b.is_current(s)), "{now:?}");
    assert_eq!(b.open(WEBHOOK_SECRET, &now[0]).unwrap(), secret);
    assert_eq!(b.open(WEBHOOK_SECRET, &now[1]).unwrap(), legacy);

    // Signed with the secret shown, opened under the new key.
    let page = format!("/orgs/{slug}/webhooks/{id}");
    app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    let got = receiver.wait_for(1).await;
    assert!(got[0].signed_by(&secret), "{:?}", got[0]);

    // A third key without the second: the start refuses, naming the setting.
    let mut settings = app.settings.clone();
    settings.secrets_key = Some([0xC3; 32].to_vec());
    settings.secrets_key_previous = None;
    let refused = orgportal::startup::Application::build(settings).await.err().expect("the start is refused");
    assert!(format!("{refused:#}").contains("ORGPORTAL_SECRETS_KEY_PREVIOUS"), "{refused:#}");
}
