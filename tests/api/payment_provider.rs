//! A stand-in of the payment provider's API for the tests: the calls the
//! portal makes, in the shapes Stripe's API answers with (ids `cus_`,
//! `seti_`, `pm_`; form-encoded requests; `{"error": {...}}` refusals),
//! kept in memory. `confirm` does what the provider's card fields do in a
//! browser. The e2e tests use localstripe (PyPI) instead.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

pub const SECRET_KEY: &str = "sk_test_standin";
pub const PUBLISHABLE_KEY: &str = "pk_test_standin";
pub const WEBHOOK_SECRET: &str = "whsec_standin";

#[derive(Default)]
pub struct State {
    pub customers: BTreeMap<String, Option<String>>,
    /// id -> (customer, client secret, status, payment method)
    pub intents: BTreeMap<String, (String, String, String, Option<String>)>,
    /// id -> (customer, brand, last4, exp month, exp year)
    pub methods: BTreeMap<String, (Option<String>, String, String, i64, i64)>,
    pub requests: Vec<String>,
    pub down: bool,
    next: u32,
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_{:06}", self.next)
    }
}

pub struct Provider {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    handle: ServerHandle,
}

impl Drop for Provider {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

type Shared = web::Data<Arc<Mutex<State>>>;

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(json!({ "error": { "type": "invalid_request_error", "code": code, "message": message } }))
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn method_json(id: &str, m: &(Option<String>, String, String, i64, i64)) -> Value {
    json!({ "id": id, "object": "payment_method", "type": "card", "customer": m.0,
            "card": { "brand": m.1, "last4": m.2, "exp_month": m.3, "exp_year": m.4 } })
}

async fn handle(req: HttpRequest, body: web::Bytes, state: Shared) -> HttpResponse {
    let mut s = state.lock().unwrap();
    let path = req.path().to_string();
    s.requests.push(format!("{} {}", req.method(), path));
    if s.down {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth != format!("Bearer {SECRET_KEY}") || req.headers().get("stripe-version").is_none() {
        return error(401, "unauthorized", "Invalid API Key provided");
    }
    let f = form(&body);
    let query = form(req.query_string().as_bytes());
    let parts: Vec<&str> = path.trim_start_matches("/v1/").split('/').collect();
    let post = req.method() == actix_web::http::Method::POST;
    match (post, parts.as_slice()) {
        (true, ["customers"]) => {
            let id = s.id("cus");
            s.customers.insert(id.clone(), None);
            HttpResponse::Ok().json(json!({ "id": id, "object": "customer", "email": f.get("email") }))
        }
        (false, ["customers", id]) => match s.customers.get(*id) {
            Some(d) => HttpResponse::Ok()
                .json(json!({ "id": id, "invoice_settings": { "default_payment_method": d } })),
            None => error(404, "resource_missing", "No such customer"),
        },
        (true, ["customers", id]) => {
            let default = f.get("invoice_settings[default_payment_method]").cloned();
            match (s.customers.contains_key(*id), &default) {
                (true, Some(pm)) if s.methods.get(pm).is_some_and(|m| m.0.as_deref() == Some(*id)) => {
                    s.customers.insert(id.to_string(), default.clone());
                    HttpResponse::Ok().json(json!({ "id": id }))
                }
                (true, _) => error(400, "resource_missing", "No such PaymentMethod attached to this customer"),
                (false, _) => error(404, "resource_missing", "No such customer"),
            }
        }
        (false, ["payment_methods"]) => {
            let customer = query.get("customer").cloned().unwrap_or_default();
            if !s.customers.contains_key(&customer) || query.get("type").map(String::as_str) != Some("card") {
                return error(400, "parameter_invalid", "Bad request");
            }
            let data: Vec<Value> = s
                .methods
                .iter()
                .filter(|(_, m)| m.0.as_deref() == Some(customer.as_str()))
                .map(|(id, m)| method_json(id, m))
                .collect();
            HttpResponse::Ok().json(json!({ "object": "list", "data": data }))
        }
        (false, ["payment_methods", id]) => match s.methods.get(*id) {
            Some(m) => HttpResponse::Ok().json(method_json(id, m)),
            None => error(404, "resource_missing", "No such PaymentMethod"),
        },
        (true, ["payment_methods", id, "attach"]) => {
            let customer = f.get("customer").cloned();
            match s.methods.get_mut(*id) {
                Some(m) => {
                    m.0 = customer;
                    HttpResponse::Ok().json(json!({ "id": id }))
                }
                None => error(404, "resource_missing", "No such PaymentMethod"),
            }
        }
        (true, ["payment_methods", id, "detach"]) => {
            let Some(m) = s.methods.get_mut(*id) else { return error(404, "resource_missing", "No such PaymentMethod") };
            let Some(customer) = m.0.take() else { return error(400, "payment_method_unexpected_state", "Not attached") };
            if s.customers.get(&customer).cloned().flatten().as_deref() == Some(*id) {
                s.customers.insert(customer, None);
            }
            HttpResponse::Ok().json(json!({ "id": id }))
        }
        (true, ["setup_intents"]) => {
            let customer = f.get("customer").cloned().unwrap_or_default();
            if !s.customers.contains_key(&customer) {
                return error(400, "resource_missing", "No such customer");
            }
            let id = s.id("seti");
            let secret = format!("{id}_secret_standin");
            s.intents.insert(id.clone(), (customer.clone(), secret.clone(), "requires_payment_method".into(), None));
            HttpResponse::Ok().json(json!({ "id": id, "client_secret": secret, "status": "requires_payment_method",
                                           "customer": customer, "payment_method": null }))
        }
        (false, ["setup_intents", id]) => match s.intents.get(*id) {
            Some((customer, secret, status, pm)) => HttpResponse::Ok().json(
                json!({ "id": id, "client_secret": secret, "status": status, "customer": customer, "payment_method": pm }),
            ),
            None => error(404, "resource_missing", "No such setupintent"),
        },
        _ => error(404, "resource_missing", "Unrecognized request URL"),
    }
}

impl Provider {
    pub async fn start() -> Provider {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(handle)))
            .workers(1)
            .bind("127.0.0.1:0")
            .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Provider { url: format!("http://127.0.0.1:{port}"), state, handle }
    }

    /// Settings that point the portal at this stand-in.
    pub fn settings(&self) -> orgportal::config::PaymentSettings {
        orgportal::config::PaymentSettings {
            secret_key: orgportal::config::Secret::new(SECRET_KEY),
            publishable_key: PUBLISHABLE_KEY.into(),
            webhook_secret: Some(orgportal::config::Secret::new(WEBHOOK_SECRET)),
            api_base: self.url.parse().unwrap(),
            js_url: format!("{}/js.stripe.com/v3/", self.url).parse().unwrap(),
        }
    }

    /// What the provider's card fields do in the browser: a card for the
    /// setup intent, attached to its customer; 4000000000000002 is declined.
    pub fn confirm(&self, intent: &str, number: &str, exp: (i64, i64)) -> Result<String, String> {
        let mut s = self.state.lock().unwrap();
        let (customer, _, _, _) = s.intents.get(intent).cloned().ok_or("no such setup intent")?;
        if number == "4000000000000002" {
            s.intents.get_mut(intent).unwrap().2 = "requires_payment_method".into();
            return Err("Your card was declined.".into());
        }
        let brand = if number.starts_with('5') { "mastercard" } else { "visa" };
        let pm = s.id("pm");
        s.methods.insert(pm.clone(), (Some(customer), brand.into(), number[number.len() - 4..].into(), exp.0, exp.1));
        let i = s.intents.get_mut(intent).unwrap();
        i.2 = "succeeded".into();
        i.3 = Some(pm.clone());
        Ok(pm)
    }

    /// A card attached in the provider's dashboard, not through the portal.
    pub fn attach_elsewhere(&self, customer: &str, last4: &str) -> String {
        let mut s = self.state.lock().unwrap();
        let pm = s.id("pm");
        s.methods.insert(pm.clone(), (Some(customer.into()), "amex".into(), last4.into(), 1, 2031));
        pm
    }
}
