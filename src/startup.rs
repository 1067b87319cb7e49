//! Builds the application from its settings: database, providers, session
//! key, and the route table, in one place.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_identity::IdentityMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::{bail, Context};
use lettre::message::Mailbox;
use tokio::sync::Notify;
use url::Url;

use crate::auth::dev_provider::DevProvider;
use crate::auth::{csrf, session_key, Providers};
use crate::config::Settings;
use crate::db::{self, Pool};
use crate::domain::RoleCatalog;
use crate::error::AppError;
use crate::mail::worker::Worker;
use crate::mail::Transport;
use crate::store::accounts::sessions::Lifetimes;
use crate::web::rate_limit::Limits;
use crate::web::{self as pages, middleware, AppState};

pub struct Application {
    port: u16,
    base_url: Url,
    server: Server,
    mail_worker: tokio::task::JoinHandle<()>,
    webhook_worker: tokio::task::JoinHandle<()>,
    stop_background: tokio::sync::watch::Sender<bool>,
    /// `/metrics` on its own listener, when ORGPORTAL_METRICS_BIND is set.
    metrics: Option<(u16, Server)>,
}

/// The role catalog of the settings: the file, or the built-in one.
pub fn load_catalog(settings: &Settings) -> anyhow::Result<RoleCatalog> {
    let Some(path) = &settings.roles_file else { return Ok(RoleCatalog::builtin()) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("ORGPORTAL_ROLES_FILE: cannot read {}", path.display()))?;
    RoleCatalog::from_toml(&text).map_err(|e| anyhow::anyhow!("ORGPORTAL_ROLES_FILE: {}: {e}", path.display()))
}

/// Opens the database of the settings and applies pending migrations.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Pool> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("ORGPORTAL_DATA_DIR: cannot create {}", settings.data_dir.display()))?;
    let url = settings.database_url();
    let pool = tokio::task::spawn_blocking(move || -> anyhow::Result<Pool> {
        let pool = db::connect(&url).map_err(|e| anyhow::anyhow!("ORGPORTAL_DATABASE_URL: {e}"))?;
        let mut conn = pool.get().context("ORGPORTAL_DATABASE_URL: cannot connect to the database")?;
        let applied = db::run_migrations(&mut conn)
            .map_err(|e| anyhow::anyhow!("ORGPORTAL_DATABASE_URL: migrations failed: {e}"))?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        db::copy_log(&mut conn).context("ORGPORTAL_DATABASE_URL: cannot checkpoint the database")?;
        Ok(pool)
    })
    .await??;
    Ok(pool)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("ORGPORTAL_BIND: cannot listen on {}", settings.bind))?;
        let addr = listener.local_addr()?;
        let internal_url = Url::parse(&format!("http://{addr}"))?;
        let base_url = settings.base_url.clone().unwrap_or_else(|| internal_url.clone());

        let dev_sign_in = settings.uses_dev_sign_in();
        if dev_sign_in && !addr.ip().is_loopback() && !settings.allow_dev_sign_in {
            bail!(
                "ORGPORTAL_BIND: {addr} is not a loopback address, and the development sign-in provider \
                 (on because no OAuth provider is configured) lets anyone sign in as anyone. Configure a \
                 provider, or set ORGPORTAL_ALLOW_DEV_SIGN_IN=true to allow it anyway."
            );
        }

        let catalog = Arc::new(load_catalog(&settings)?);
        let mail_from: Mailbox =
            settings.mail_from.parse().map_err(|e| anyhow::anyhow!("ORGPORTAL_MAIL_FROM: not a mail address: {e}"))?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::smtp(url.expose(), settings.smtp_ca_file.as_deref())?,
            None => Transport::disk(settings.data_dir.join("mail"))?,
        };
        let mailbox_dir = transport.mailbox_dir().cloned();
        let pool = open_database(&settings).await?;
        let pool_size = pool.max_size();
        let key = Key::try_from(session_key::load_or_create(&settings)?.as_slice())
            .context("ORGPORTAL_SESSION_KEY: the key is too short")?;
        let secrets = Arc::new(crate::auth::secrets_key::load_or_create(&settings).context("ORGPORTAL_SECRETS_KEY")?);
        let sealing = secrets.clone();
        let resealed =
            db::run(&pool, move |conn| crate::store::webhooks::endpoints::reseal(conn, &sealing)).await.context(
                "ORGPORTAL_SECRETS_KEY: cannot seal the stored secrets (is ORGPORTAL_SECRETS_KEY_PREVIOUS missing?)",
            )?;
        if resealed > 0 {
            tracing::info!(resealed, "webhook signing secrets sealed with the current secrets key");
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()?;
        let (providers, dev) = if dev_sign_in {
            let dev = DevProvider::new(base_url.join("/auth/dev/callback")?.to_string());
            (Providers::development(&base_url, &internal_url, dev.client()), Some(Arc::new(dev)))
        } else {
            let providers = Providers::from_settings(&settings);
            let (warm, http) = (providers.clone(), http.clone());
            tokio::spawn(async move { warm.warm_up(&http).await });
            (providers, None)
        };
        tracing::info!(%addr, base_url = %base_url, dev_sign_in, providers = providers.all().len(), "starting orgportal");

        let https = base_url.scheme() == "https";
        let mail_wakeup = Arc::new(Notify::new());
        let (stop_background, stop) = tokio::sync::watch::channel(false);
        let dns = crate::dns::Dns::new(settings.dns_resolver);
        crate::upkeep::spawn(
            crate::upkeep::Upkeep {
                pool: pool.clone(),
                clock: settings.clock.clone(),
                dns: dns.clone(),
                catalog: catalog.clone(),
                base_url: base_url.clone(),
                mail_wakeup: mail_wakeup.clone(),
            },
            stop.clone(),
        );
        let webhook_wakeup = Arc::new(Notify::new());
        let webhook_worker = crate::webhooks::worker::Worker {
            pool: pool.clone(),
            clock: settings.clock.clone(),
            allow_private: settings.webhooks_allow_private,
            secrets: secrets.clone(),
            catalog: catalog.clone(),
            base_url: base_url.clone(),
            mail_wakeup: mail_wakeup.clone(),
            wakeup: webhook_wakeup.clone(),
            stop: stop.clone(),
        }
        .spawn();
        let mail_worker = Worker {
            pool: pool.clone(),
            transport: Arc::new(transport),
            from: mail_from,
            clock: settings.clock.clone(),
            retry_base: settings.mail_retry_base,
            wakeup: mail_wakeup.clone(),
            stop,
        }
        .spawn();
        let member_orders = Arc::new(pages::api::member_order::MemberOrders::default());
        let metrics = match &settings.metrics_bind {
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .with_context(|| format!("ORGPORTAL_METRICS_BIND: cannot listen on {bind}"))?;
                let port = listener.local_addr()?.port();
                let metrics = Arc::new(pages::metrics::Metrics::new(settings.database_url().trim())?);
                let server = pages::metrics::serve(listener, metrics.clone(), pool.clone(), member_orders.clone())?;
                tracing::info!(port, "serving /metrics");
                Some((metrics, port, server))
            }
            None => None,
        };
        let payments =
            settings.payments.as_ref().map(|p| pages::billing::payment_methods::Payments::new(http.clone(), p));
        let state = web::Data::new(AppState {
            metrics: metrics.as_ref().map(|(m, _, _)| m.clone()),
            pool,
            providers,
            base_url: base_url.clone(),
            http,
            dev,
            org_limit: settings.organizations_per_user,
            catalog,
            clock: settings.clock.clone(),
            invitation_ttl: settings.invitation_ttl,
            mail_wakeup,
            webhook_wakeup,
            webhooks_allow_private: settings.webhooks_allow_private,
            dns,
            secrets,
            sso_allow_private: settings.sso_allow_private,
            sso_discovery: Arc::default(),
            mailbox_dir,
            staff_emails: Arc::new(settings.staff_emails.clone()),
            staff_provisioners: Arc::new(settings.staff_provisioners.clone()),
            session_lifetimes: Lifetimes { idle: settings.session_idle, max: settings.session_max },
            limits: Arc::new(Limits::new(&settings.rate_limits)),
            trusted_proxies: settings.trusted_proxies.clone(),
            personal_spaces: settings.personal_spaces,
            direct_add: settings.direct_add,
            common_trigrams: Arc::default(),
            payments,
            member_pages: Arc::default(),
            waiting_lists: Arc::default(),
            activity_facets: Arc::default(),
            first_teams: Arc::default(),
            billing_pages: Arc::default(),
            member_orders,
        });
        // The cookie lives as long as a session may; the database ends it sooner.
        let cookie_ttl = actix_web::cookie::time::Duration::try_from(settings.session_max)
            .unwrap_or(actix_web::cookie::time::Duration::days(30));
        let mut server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                .cookie_name("orgportal".into())
                .cookie_secure(https)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(PersistentSession::default().session_ttl(cookie_ttl))
                .build();
            App::new()
                .app_data(state.clone())
                .configure(pages::routes::all)
                .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(AppError::NotFound) }))
                // Wrapped inside out: the CSRF check needs the session, the
                // session middleware needs nothing; the request id is outermost.
                .wrap(from_fn(csrf::guard))
                .wrap(from_fn(pages::input::guard))
                .wrap(IdentityMiddleware::default())
                .wrap(session)
                .wrap(middleware::security_headers(https))
                .wrap(from_fn(middleware::request_context))
        })
        .listen(listener)?;
        let workers = settings.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        // Each worker has its own blocking pool for database calls (512
        // threads by default). More threads than pooled connections only wait
        // for one, and every thread costs a stack and a malloc arena: the
        // pool's size, shared among the workers, is enough.
        let connections = pool_size as usize;
        server = server.workers(workers).worker_max_blocking_threads(connections.div_ceil(workers).max(1));
        let metrics = metrics.map(|(_, port, server)| (port, server));
        Ok(Self {
            port: addr.port(),
            base_url,
            server: server.run(),
            mail_worker,
            webhook_worker,
            stop_background,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The port `/metrics` is served on, when it is.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (SIGTERM or SIGINT: requests in
    /// flight finish first); then the mail worker stops between messages.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        let _ = self.stop_background.send(true);
        // A message being sent gets the SMTP timeout (15 s) and its record;
        // a webhook its 10 s.
        for mut worker in [self.mail_worker, self.webhook_worker] {
            if tokio::time::timeout(Duration::from_secs(20), &mut worker).await.is_err() {
                worker.abort();
            }
        }
        result
    }
}
