//! Many users at once: signed-in clients sign in, read households (audited
//! reads, which write an audit record), browse pages, search (by ID number:
//! audited too) and edit the same household with its optimistic version, all
//! at the same time, on a SQLite *file* (WAL; one writer, several readers)
//! and on PostgreSQL. No answer may be a 5xx, and no edit may be lost: each
//! client adds one to a counter kept in the household's address, retrying
//! on a version conflict (409), and the final count is every increment.
//!
//! On the old store (deferred SQLite transactions that upgrade to writing
//! when the audit record is appended) most audited reads failed with
//! "database is locked".

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_app::{Actor, audit_log, auth, import, registry};
use jiuzhu_domain::Role;
use jiuzhu_store::Db;
use tower::ServiceExt;

use super::{PASSWORD, fixture, now};

const CLIENTS: usize = 10;
const ROUNDS: usize = 4;
const INCREMENTS: usize = 3;
const COUNTER_HOUSEHOLD: &str = "SF-0001";
const COUNTER_PHONE: &str = "13955110001";
const BASE_ADDRESS: &str = "城关镇东村12号";

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

/// One client: a session cookie and its CSRF token.
struct Client {
    router: Router,
    cookie: String,
    csrf: String,
    /// Every 5xx this client saw: what it asked and what came back.
    failures: Vec<String>,
    requests: usize,
}

async fn send(router: &Router, request: Request<Body>) -> Answer {
    let res = router.clone().oneshot(request).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

impl Client {
    /// Signs in through the login form, as a browser does; a client whose
    /// sign-in failed (listed among its failures) does nothing more.
    async fn sign_in(router: Router, login: &str) -> Client {
        let mut client =
            Client { router, cookie: String::new(), csrf: String::new(), failures: Vec::new(), requests: 0 };
        let form = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("login={login}&password={PASSWORD}")))
            .unwrap();
        let answer = send(&client.router, form).await;
        client.requests += 1;
        client.check("POST /login", &answer);
        if answer.status != StatusCode::SEE_OTHER {
            return client;
        }
        let set_cookie = answer.headers[header::SET_COOKIE].to_str().unwrap();
        client.cookie = set_cookie.split(';').next().unwrap().to_string();
        let page = client.get("/households").await;
        if let Some(form) = page.body.split("name=\"csrf\" value=\"").nth(1) {
            client.csrf = form.split('"').next().unwrap().to_string();
        }
        client
    }

    fn signed_in(&self) -> bool {
        !self.csrf.is_empty()
    }

    fn check(&mut self, what: &str, answer: &Answer) {
        if answer.status.is_server_error() {
            let body: String = answer.body.chars().take(300).collect();
            self.failures.push(format!("{what} → {} {body}", answer.status));
        }
    }

    async fn get(&mut self, uri: &str) -> Answer {
        let request = Request::get(uri).header(header::COOKIE, &self.cookie).body(Body::empty()).unwrap();
        let answer = send(&self.router, request).await;
        self.requests += 1;
        self.check(&format!("GET {uri}"), &answer);
        answer
    }

    async fn put_json(&mut self, uri: &str, body: serde_json::Value) -> Answer {
        let request = Request::put(uri)
            .header(header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let answer = send(&self.router, request).await;
        self.requests += 1;
        self.check(&format!("PUT {uri}"), &answer);
        answer
    }

    /// Adds one to the household's counter: reads it with its version, writes
    /// it back one higher, and starts again when someone else was first.
    async fn increment(&mut self, id: i64) {
        // Bounded, so a server that keeps failing ends the test with its
        // failures listed rather than never.
        for _ in 0..200 {
            let read = self.get(&format!("/api/households/{id}")).await;
            if read.status != StatusCode::OK {
                continue;
            }
            let detail: serde_json::Value = serde_json::from_str(&read.body).unwrap();
            let household = &detail["household"];
            let count = counter_of(household["address"].as_str().unwrap());
            let mut form = serde_json::Map::new();
            for field in ["external_id", "region_code", "program", "monthly_benefit_yuan"] {
                form.insert(field.into(), household[field].clone());
            }
            form.insert("address".into(), format!("{BASE_ADDRESS} 计数{}", count + 1).into());
            form.insert("phone".into(), COUNTER_PHONE.into());
            let body = serde_json::json!({ "version": household["version"], "household": form });
            let write = self.put_json(&format!("/api/households/{id}"), body).await;
            match write.status {
                StatusCode::NO_CONTENT => return,
                StatusCode::CONFLICT => continue,
                other if other.is_server_error() => continue,
                other => panic!("an edit answered {other}: {}", write.body),
            }
        }
    }
}

fn counter_of(address: &str) -> usize {
    address.rsplit_once("计数").map_or(0, |(_, n)| n.parse().unwrap())
}

async fn many_users_at_once(db: Db) {
    let system = Actor::system();
    registry::upsert_regions(&db, &system, now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    import::import_roster(&db, &system, now(), &fixture("roster_utf8.csv")).await.unwrap();
    for n in 0..CLIENTS {
        let form = auth::UserForm {
            login: format!("clerk{n}"),
            display_name: format!("科员{n}"),
            region_code: "340102".into(),
            roles: vec![Role::CountyClerk.code().to_string()],
            ..Default::default()
        };
        auth::create_user(&db, &system, now(), &form, PASSWORD, false).await.unwrap();
    }
    let router = jiuzhu_web::router(jiuzhu_web::AppState::new(db.clone(), Arc::new(now)));
    let page = registry::search_households(
        &db,
        &system,
        now(),
        &registry::HouseholdQuery { text: COUNTER_HOUSEHOLD.into(), ..Default::default() },
    )
    .await
    .unwrap();
    let counter_id = page.rows[0].id;
    let other_ids: Vec<i64> = registry::search_households(&db, &system, now(), &Default::default())
        .await
        .unwrap()
        .rows
        .iter()
        .map(|r| r.id)
        .collect();

    let tasks: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let router = router.clone();
            let other_ids = other_ids.clone();
            tokio::spawn(async move {
                let mut client = Client::sign_in(router, &format!("clerk{n}")).await;
                if !client.signed_in() {
                    return client;
                }
                for round in 0..ROUNDS {
                    let id = other_ids[(n + round) % other_ids.len()];
                    client.get(&format!("/api/households/{id}")).await;
                    client.get(&format!("/households/{id}")).await;
                    client.get("/households?q=zjg").await;
                    // A search by ID number is recorded: a read that writes.
                    client.get("/api/households?q=340102195803120137").await;
                    client.get(&format!("/households?page=1&region=340102001&round={round}")).await;
                    if round < INCREMENTS {
                        client.increment(counter_id).await;
                    }
                }
                client
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut requests = 0;
    for task in tasks {
        let client = task.await.expect("a client panicked");
        failures.extend(client.failures);
        requests += client.requests;
    }
    assert!(failures.is_empty(), "{} of {requests} requests failed with 5xx:\n{}", failures.len(), failures.join("\n"));

    let detail = registry::household_detail(&db, &system, counter_id, now(), false).await.unwrap();
    assert_eq!(
        counter_of(&detail.household.form.address),
        CLIENTS * INCREMENTS,
        "every increment counted, none lost: {}",
        detail.household.form.address
    );
    // The audit chain did not fork while records were appended at once.
    let verification = audit_log::verify(&db, &system).await.unwrap();
    assert!(matches!(verification, audit_log::Verification::Intact { .. }), "{verification:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_users_at_once_on_a_sqlite_file() {
    let file = jiuzhu_testkit::SqliteFile::new().await;
    many_users_at_once(file.db.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_users_at_once_on_postgres() {
    many_users_at_once(jiuzhu_testkit::postgres().await).await;
}
