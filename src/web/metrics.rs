//! `/metrics` in the Prometheus text format, served on a listener of its own
//! (ORGPORTAL_METRICS_BIND; off unless set), never on the portal's address:
//! request counts and latencies by route, the connection pool, the outbox,
//! the member orders the API keeps in memory, the statements run.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::db::statements::{self, Counts};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::web::api::member_order::MemberOrders;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    outbox: IntGaugeVec,
    orders_kept: IntGauge,
    orders_bytes: IntGauge,
    statements: IntCounterVec,
    database: Arc<Counts>,
}

impl Metrics {
    /// Metrics of the portal on the database at `database_url`.
    pub fn new(database_url: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("orgportal".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "Requests answered, by route pattern and status"),
            &["route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by route pattern")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["route"],
        )?;
        let pool_connections = IntGauge::new("db_pool_connections", "Open database connections")?;
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Idle database connections")?;
        let outbox = IntGaugeVec::new(Opts::new("mail_outbox", "Mails in the outbox, by state"), &["state"])?;
        let orders_kept = IntGauge::new("member_orders_kept", "Organizations whose member order the API keeps")?;
        let orders_bytes = IntGauge::new("member_orders_bytes", "Memory those member orders hold")?;
        let statements = IntCounterVec::new(
            Opts::new("db_statements_total", "Statements sent to the database: data, or transaction (BEGIN, COMMIT)"),
            &["kind"],
        )?;
        registry.register(Box::new(statements.clone()))?;
        registry.register(Box::new(orders_kept.clone()))?;
        registry.register(Box::new(orders_bytes.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(outbox.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            outbox,
            orders_kept,
            orders_bytes,
            statements,
            database: statements::of(database_url),
        })
    }

    /// Counts one answered request. `route` is the matched pattern
    /// (`/orgs/{slug}/members`), never the path: no names or tokens, and a
    /// bounded number of series.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[route, &status.to_string()]).inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// The text exposition, with the pool, `outbox` (state, count) and the
    /// kept member orders as of now.
    pub fn render(&self, pool: &Pool, outbox: &[(String, i64)], orders: &MemberOrders) -> String {
        let (kept, bytes) = orders.usage();
        self.orders_kept.set(kept as i64);
        self.orders_bytes.set(bytes as i64);
        let run = self.database.so_far();
        for (kind, total) in [("data", run.data), ("transaction", run.transaction)] {
            let counter = self.statements.with_label_values(&[kind]);
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        for s in ["queued", "retrying", "sending", "sent", "failed"] {
            self.outbox.with_label_values(&[s]).set(0);
        }
        for (s, n) in outbox {
            self.outbox.with_label_values(&[s.as_str()]).set(*n);
        }
        let mut out = Vec::new();
        let _ = prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

struct Scrape {
    metrics: Arc<Metrics>,
    pool: Pool,
    orders: Arc<MemberOrders>,
}

async fn scrape(data: web::Data<Scrape>) -> HttpResponse {
    let outbox = db::run(&data.pool, |conn| crate::store::outbox::counts(conn).map_err(AppError::from)).await;
    match outbox {
        Ok(outbox) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(data.metrics.render(&data.pool, &outbox, &data.orders)),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the outbox");
            HttpResponse::ServiceUnavailable().body("database unavailable")
        }
    }
}

/// The metrics listener: `GET /metrics` only, one worker.
pub fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    pool: Pool,
    orders: Arc<MemberOrders>,
) -> std::io::Result<Server> {
    let data = web::Data::new(Scrape { metrics, pool, orders });
    Ok(HttpServer::new(move || App::new().app_data(data.clone()).route("/metrics", web::get().to(scrape)))
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run())
}
