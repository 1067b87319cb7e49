//! The few calls of Stripe's API the Payment methods page needs: customers,
//! setup intents, payment methods and the customer's default, over the
//! portal's HTTP client, with the API version pinned and a timeout on each.
//! Written by hand: a generated Stripe client is hundreds of thousands of
//! lines for these seven calls.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::config::PaymentSettings;
use crate::domain::payment_method::Card;

/// The API version every request is written for.
pub const API_VERSION: &str = "2024-06-20";
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call to the provider did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No connection, a timeout, or a server error: try again later.
    #[error("the payment provider cannot be reached: {0}")]
    Unreachable(String),
    /// The card was declined; the provider's words for the person.
    #[error("declined: {0}")]
    Declined(String),
    /// Anything else the provider refused (its message is for the log).
    #[error("refused by the payment provider: {0}")]
    Refused(String),
}

impl ProviderError {
    /// What the page says.
    pub fn for_person(&self) -> String {
        match self {
            ProviderError::Unreachable(_) => {
                "The payment provider cannot be reached at the moment. Nothing was changed; please try again in a few minutes.".into()
            }
            ProviderError::Declined(why) => format!("The card was declined: {why}"),
            ProviderError::Refused(_) => {
                "The payment provider refused the request. Nothing was changed; if it keeps happening, give the request id to your administrator.".into()
            }
        }
    }
}

/// A card and the customer it is attached to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    pub card: Card,
    pub customer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupIntent {
    pub id: String,
    pub client_secret: String,
    pub status: String,
    pub customer: Option<String>,
    pub payment_method: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_provider_ids_go_into_a_path() {
        assert_eq!(super::id("seti_1Abc"), Ok("seti_1Abc"));
        for bad in ["", "seti_x/../customers/cus_1", "pm_1?expand=x", "cus 1", "pm_1%2F"] {
            assert!(super::id(bad).is_err(), "{bad}");
        }
    }
}

#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: Url,
    secret: String,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct RawCard {
    brand: String,
    last4: String,
    exp_month: serde_json::Value,
    exp_year: serde_json::Value,
}

#[derive(Deserialize)]
struct RawMethod {
    id: String,
    card: Option<RawCard>,
    customer: Option<String>,
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
}

#[derive(Deserialize, Default)]
struct InvoiceSettings {
    default_payment_method: Option<String>,
}

#[derive(Deserialize)]
struct RawCustomer {
    #[serde(default)]
    invoice_settings: Option<InvoiceSettings>,
}

#[derive(Deserialize)]
struct RawSetupIntent {
    id: String,
    client_secret: String,
    status: String,
    customer: Option<String>,
    payment_method: Option<String>,
}

/// A month or year Stripe sends as a number (and a stand-in may send as text).
fn number(v: &serde_json::Value) -> i32 {
    match v {
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(0) as i32,
        serde_json::Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

impl RawMethod {
    fn method(self) -> Option<Method> {
        let c = self.card?;
        let card = Card {
            id: self.id,
            brand: c.brand,
            last4: c.last4,
            exp_month: number(&c.exp_month),
            exp_year: number(&c.exp_year),
        };
        Some(Method { card, customer: self.customer })
    }
}

/// An id as the provider writes them (`cus_…`, `seti_…`, `pm_…`): it goes
/// into a URL path, so nothing else may (a `/` or `?` would name another
/// resource with the portal's key).
fn id(id: &str) -> Result<&str, ProviderError> {
    let ok = !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(id).ok_or_else(|| ProviderError::Refused(format!("not a provider id: {id:?}")))
}

impl Stripe {
    pub fn new(http: reqwest::Client, settings: &PaymentSettings) -> Self {
        Self { http, base: settings.api_base.clone(), secret: settings.secret_key.expose().to_string() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, ProviderError> {
        let response = request
            .bearer_auth(&self.secret)
            .header("Stripe-Version", API_VERSION)
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|e| ProviderError::Unreachable(format!("{what}: {}", e.without_url())))?;
        let status = response.status();
        let body =
            response.bytes().await.map_err(|e| ProviderError::Unreachable(format!("{what}: {}", e.without_url())))?;
        if status.is_server_error() {
            return Err(ProviderError::Unreachable(format!("{what}: {status}")));
        }
        if !status.is_success() {
            #[derive(Deserialize)]
            struct Wrapped {
                error: ErrorBody,
            }
            #[derive(Deserialize)]
            struct ErrorBody {
                code: Option<String>,
                message: Option<String>,
            }
            let error = serde_json::from_slice::<Wrapped>(&body).ok().map(|w| w.error);
            let message = error.as_ref().and_then(|e| e.message.clone()).unwrap_or_else(|| status.to_string());
            let declined = error.as_ref().and_then(|e| e.code.as_deref()).is_some_and(|c| {
                matches!(
                    c,
                    "card_declined" | "expired_card" | "incorrect_cvc" | "processing_error" | "incorrect_number"
                )
            });
            return Err(if declined || status.as_u16() == 402 {
                ProviderError::Declined(message)
            } else {
                ProviderError::Refused(format!("{what}: {status}: {message}"))
            });
        }
        serde_json::from_slice(&body).map_err(|e| ProviderError::Refused(format!("{what}: unexpected answer: {e}")))
    }

    /// A new customer for an organization; its id.
    pub async fn create_customer(&self, email: &str, name: &str, org_id: &str) -> Result<String, ProviderError> {
        let form = [("email", email), ("name", name), ("metadata[org_id]", org_id)];
        let id: Id = self.send(self.http.post(self.url("/v1/customers")).form(&form), "create customer").await?;
        Ok(id.id)
    }

    /// The customer's default payment method.
    pub async fn default_method(&self, customer: &str) -> Result<Option<String>, ProviderError> {
        let c: RawCustomer =
            self.send(self.http.get(self.url(&format!("/v1/customers/{}", id(customer)?))), "read customer").await?;
        Ok(c.invoice_settings.unwrap_or_default().default_payment_method)
    }

    /// The customer's cards.
    pub async fn cards(&self, customer: &str) -> Result<Vec<Card>, ProviderError> {
        let query = [("customer", customer), ("type", "card"), ("limit", "100")];
        let list: List<RawMethod> =
            self.send(self.http.get(self.url("/v1/payment_methods")).query(&query), "list payment methods").await?;
        Ok(list.data.into_iter().filter_map(RawMethod::method).map(|m| m.card).collect())
    }

    pub async fn method(&self, method: &str) -> Result<Option<Method>, ProviderError> {
        let m: RawMethod = self
            .send(self.http.get(self.url(&format!("/v1/payment_methods/{}", id(method)?))), "read payment method")
            .await?;
        Ok(m.method())
    }

    /// A setup intent for adding a card to the customer off-session.
    pub async fn create_setup_intent(&self, customer: &str) -> Result<SetupIntent, ProviderError> {
        let form = [("customer", customer), ("usage", "off_session"), ("payment_method_types[]", "card")];
        let s: RawSetupIntent =
            self.send(self.http.post(self.url("/v1/setup_intents")).form(&form), "create setup intent").await?;
        Ok(s.into())
    }

    pub async fn setup_intent(&self, intent: &str) -> Result<SetupIntent, ProviderError> {
        let url = self.url(&format!("/v1/setup_intents/{}", id(intent)?));
        let s: RawSetupIntent = self.send(self.http.get(url), "read setup intent").await?;
        Ok(s.into())
    }

    pub async fn attach(&self, method: &str, customer: &str) -> Result<(), ProviderError> {
        let url = self.url(&format!("/v1/payment_methods/{}/attach", id(method)?));
        let _: Id = self.send(self.http.post(url).form(&[("customer", customer)]), "attach payment method").await?;
        Ok(())
    }

    pub async fn set_default(&self, customer: &str, method: &str) -> Result<(), ProviderError> {
        let form = [("invoice_settings[default_payment_method]", method)];
        let url = self.url(&format!("/v1/customers/{}", id(customer)?));
        let _: Id = self.send(self.http.post(url).form(&form), "set default payment method").await?;
        Ok(())
    }

    pub async fn detach(&self, method: &str) -> Result<(), ProviderError> {
        let url = self.url(&format!("/v1/payment_methods/{}/detach", id(method)?));
        let _: Id = self.send(self.http.post(url), "detach payment method").await?;
        Ok(())
    }
}

impl From<RawSetupIntent> for SetupIntent {
    fn from(s: RawSetupIntent) -> Self {
        Self {
            id: s.id,
            client_secret: s.client_secret,
            status: s.status,
            customer: s.customer,
            payment_method: s.payment_method,
        }
    }
}
