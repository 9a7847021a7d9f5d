//! Providers, API keys, plans and the network inventory: plain upserts and lookups.

use chrono::{DateTime, Utc};

use crate::conn::{Conn, args};
use crate::error::StoreResult;
use crate::rows::*;
use kurnl_core::model::{
    ApiKeyRecord, Building, Location, Plan, PlanVersion, Port, PortRef, Provider, Switch, Unit,
};
use kurnl_core::ports::{LocationPlacement, QueuedWork, StoreError, SwitchQueue};
use kurnl_core::types::{ApiKeyId, LocationHash, PlanVersionId, ProviderId, SwitchId, UnitId};

pub(crate) async fn put_provider<C: Conn>(c: &mut C, p: &Provider) -> StoreResult<()> {
    let secret =
        |e: &kurnl_core::model::WebhookEndpoint| e.secret.as_ref().map(|s| s.expose().to_owned());
    let previous = |e: &kurnl_core::model::WebhookEndpoint| {
        e.previous_secret.as_ref().map(|s| s.expose().to_owned())
    };
    c.execute(
        "INSERT INTO providers (id, name, live_webhook_url, live_webhook_secret, sandbox_webhook_url, \
         sandbox_webhook_secret, external_checkout_url, billing_mode, live_previous_secret, \
         live_previous_until, sandbox_previous_secret, sandbox_previous_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, live_webhook_url = excluded.live_webhook_url, \
         live_webhook_secret = excluded.live_webhook_secret, sandbox_webhook_url = excluded.sandbox_webhook_url, \
         sandbox_webhook_secret = excluded.sandbox_webhook_secret, \
         external_checkout_url = excluded.external_checkout_url, billing_mode = excluded.billing_mode, \
         live_previous_secret = excluded.live_previous_secret, \
         live_previous_until = excluded.live_previous_until, \
         sandbox_previous_secret = excluded.sandbox_previous_secret, \
         sandbox_previous_until = excluded.sandbox_previous_until",
        args![
            p.id.0,
            p.name.as_str(),
            p.live.url.clone(),
            secret(&p.live),
            p.sandbox.url.clone(),
            secret(&p.sandbox),
            p.external_checkout_url.clone(),
            billing_mode_str(p.billing_mode),
            previous(&p.live),
            p.live.previous_secret_until,
            previous(&p.sandbox),
            p.sandbox.previous_secret_until,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_provider<C: Conn>(
    c: &mut C,
    id: ProviderId,
) -> StoreResult<Option<Provider>> {
    let row: Option<ProviderRow> = c
        .fetch_optional("SELECT * FROM providers WHERE id = $1", args![id.0])
        .await?;
    row.map(ProviderRow::into_model).transpose()
}

pub(crate) async fn list_providers<C: Conn>(c: &mut C) -> StoreResult<Vec<Provider>> {
    let rows: Vec<ProviderRow> = c
        .fetch_all("SELECT * FROM providers ORDER BY name, id", args![])
        .await?;
    rows.into_iter().map(ProviderRow::into_model).collect()
}

pub(crate) async fn put_api_key<C: Conn>(c: &mut C, k: &ApiKeyRecord) -> StoreResult<()> {
    c.execute(
        "INSERT INTO api_keys (id, provider_id, key_hash, display_prefix, sandbox, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         key_hash = excluded.key_hash, display_prefix = excluded.display_prefix, sandbox = excluded.sandbox, \
         created_at = excluded.created_at, revoked_at = excluded.revoked_at",
        args![k.id.0, k.provider_id.0, k.key_hash.as_str(), k.display_prefix.as_str(), k.sandbox, k.created_at, k.revoked_at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn find_api_key<C: Conn>(
    c: &mut C,
    key_hash: &str,
) -> StoreResult<Option<ApiKeyRecord>> {
    let row: Option<ApiKeyRow> = c
        .fetch_optional(
            "SELECT * FROM api_keys WHERE key_hash = $1",
            args![key_hash],
        )
        .await?;
    row.map(ApiKeyRow::into_model).transpose()
}

pub(crate) async fn list_api_keys<C: Conn>(
    c: &mut C,
    provider: ProviderId,
) -> StoreResult<Vec<ApiKeyRecord>> {
    let rows: Vec<ApiKeyRow> = c
        .fetch_all(
            "SELECT * FROM api_keys WHERE provider_id = $1 ORDER BY created_at, id",
            args![provider.0],
        )
        .await?;
    rows.into_iter().map(ApiKeyRow::into_model).collect()
}

pub(crate) async fn revoke_api_key<C: Conn>(
    c: &mut C,
    id: ApiKeyId,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    // Idempotent: a key already revoked keeps its first revocation time.
    let n = c
        .execute(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
            args![id.0, at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound("api key"));
    }
    Ok(())
}

pub(crate) async fn put_plan<C: Conn>(c: &mut C, p: &Plan) -> StoreResult<()> {
    c.execute(
        "INSERT INTO plans (id, provider_id, name) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, name = excluded.name",
        args![p.id.0, p.provider_id.0, p.name.as_str()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_plan_version<C: Conn>(c: &mut C, v: &PlanVersion) -> StoreResult<()> {
    c.execute(
        "INSERT INTO plan_versions (id, plan_id, provider_id, name, vlan, rate_down, rate_up, effective_from, \
         effective_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET \
         plan_id = excluded.plan_id, provider_id = excluded.provider_id, name = excluded.name, \
         vlan = excluded.vlan, rate_down = excluded.rate_down, rate_up = excluded.rate_up, \
         effective_from = excluded.effective_from, effective_to = excluded.effective_to",
        args![
            v.id.0,
            v.plan_id.0,
            v.provider_id.0,
            v.name.as_str(),
            v.vlan.get(),
            v.rate.down.get(),
            v.rate.up.get(),
            v.effective_from,
            v.effective_to,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_plan_version<C: Conn>(
    c: &mut C,
    id: PlanVersionId,
) -> StoreResult<Option<PlanVersion>> {
    let row: Option<PlanVersionRow> = c
        .fetch_optional("SELECT * FROM plan_versions WHERE id = $1", args![id.0])
        .await?;
    row.map(PlanVersionRow::into_model).transpose()
}

pub(crate) async fn list_plan_versions<C: Conn>(
    c: &mut C,
    provider: ProviderId,
) -> StoreResult<Vec<PlanVersion>> {
    let rows: Vec<PlanVersionRow> = c
        .fetch_all(
            "SELECT * FROM plan_versions WHERE provider_id = $1 ORDER BY effective_from, id",
            args![provider.0],
        )
        .await?;
    rows.into_iter().map(PlanVersionRow::into_model).collect()
}

pub(crate) async fn put_switch<C: Conn>(c: &mut C, s: &Switch) -> StoreResult<()> {
    c.execute(
        "INSERT INTO switches (id, name, driver, address, ssh_port, credentials_ref, host_key, captive_vlan, \
         max_sessions, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET \
         name = excluded.name, driver = excluded.driver, address = excluded.address, \
         ssh_port = excluded.ssh_port, credentials_ref = excluded.credentials_ref, host_key = excluded.host_key, \
         captive_vlan = excluded.captive_vlan, max_sessions = excluded.max_sessions, \
         disabled = excluded.disabled",
        args![
            s.id.0,
            s.name.as_str(),
            s.driver.as_str(),
            s.address.as_str(),
            s.ssh_port,
            s.credentials_ref.as_str(),
            s.host_key.clone(),
            s.captive_vlan.get(),
            s.max_sessions,
            s.disabled,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_switch<C: Conn>(c: &mut C, id: SwitchId) -> StoreResult<Option<Switch>> {
    let row: Option<SwitchRow> = c
        .fetch_optional("SELECT * FROM switches WHERE id = $1", args![id.0])
        .await?;
    row.map(SwitchRow::into_model).transpose()
}

pub(crate) async fn list_switches<C: Conn>(c: &mut C) -> StoreResult<Vec<Switch>> {
    let rows: Vec<SwitchRow> = c
        .fetch_all("SELECT * FROM switches ORDER BY name, id", Vec::new())
        .await?;
    rows.into_iter().map(SwitchRow::into_model).collect()
}

pub(crate) async fn put_port<C: Conn>(c: &mut C, p: &Port) -> StoreResult<()> {
    c.execute(
        "INSERT INTO ports (switch_id, port_number, interface) VALUES ($1, $2, $3) \
         ON CONFLICT (switch_id, port_number) DO UPDATE SET interface = excluded.interface",
        args![p.port.switch_id.0, p.port.port_number, p.interface.as_str()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_port<C: Conn>(c: &mut C, port: PortRef) -> StoreResult<Option<Port>> {
    let row: Option<PortRow> = c
        .fetch_optional(
            "SELECT * FROM ports WHERE switch_id = $1 AND port_number = $2",
            args![port.switch_id.0, port.port_number],
        )
        .await?;
    row.map(PortRow::into_model).transpose()
}

pub(crate) async fn put_location<C: Conn>(c: &mut C, l: &Location) -> StoreResult<()> {
    c.execute(
        "INSERT INTO locations (hash, switch_id, port_number, building_id, unit_id) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hash) DO UPDATE SET switch_id = excluded.switch_id, port_number = excluded.port_number, \
         building_id = excluded.building_id, unit_id = excluded.unit_id",
        args![
            l.hash.as_str(),
            l.port.switch_id.0,
            l.port.port_number,
            l.building_id.map(|b| b.0),
            l.unit_id.map(|u| u.0),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_location<C: Conn>(
    c: &mut C,
    hash: &LocationHash,
) -> StoreResult<Option<Location>> {
    let row: Option<LocationRow> = c
        .fetch_optional(
            "SELECT * FROM locations WHERE hash = $1",
            args![hash.as_str()],
        )
        .await?;
    row.map(LocationRow::into_model).transpose()
}

/// The location, its port and the port's switch in one query.
pub(crate) async fn get_location_placement<C: Conn>(
    c: &mut C,
    hash: &LocationHash,
) -> StoreResult<Option<LocationPlacement>> {
    let sql = format!(
        "SELECT {} FROM locations l LEFT JOIN ports p ON p.switch_id = l.switch_id \
         AND p.port_number = l.port_number LEFT JOIN switches s ON s.id = l.switch_id \
         WHERE l.hash = $1",
        PlacementRow::COLUMNS
    );
    let row: Option<PlacementRow> = c.fetch_optional(&sql, args![hash.as_str()]).await?;
    row.map(PlacementRow::into_model).transpose()
}

pub(crate) async fn put_building<C: Conn>(c: &mut C, b: &Building) -> StoreResult<()> {
    c.execute(
        "INSERT INTO buildings (id, name, address) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address",
        args![b.id.0, b.name.as_str(), b.address.clone()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_unit<C: Conn>(c: &mut C, u: &Unit) -> StoreResult<()> {
    c.execute(
        "INSERT INTO units (id, building_id, label, floor) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
         building_id = excluded.building_id, label = excluded.label, floor = excluded.floor",
        args![u.id.0, u.building_id.0, u.label.as_str(), u.floor.clone()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_unit<C: Conn>(c: &mut C, id: UnitId) -> StoreResult<Option<Unit>> {
    let row: Option<UnitRow> = c
        .fetch_optional("SELECT * FROM units WHERE id = $1", args![id.0])
        .await?;
    Ok(row.map(UnitRow::into_model))
}

/// The newest migration applied successfully (0 for none): sqlx's `_sqlx_migrations`.
pub(crate) async fn schema_version<C: Conn>(c: &mut C) -> StoreResult<i64> {
    let row: Option<CountRow> = c
        .fetch_optional(
            "SELECT COALESCE(MAX(version), 0) AS n FROM _sqlx_migrations WHERE success",
            Vec::new(),
        )
        .await?;
    Ok(row.map_or(0, |r| r.n))
}

/// Open jobs per switch, served by `jobs_open_port_idx` (switch first, open jobs only).
pub(crate) async fn queued_jobs_by_switch<C: Conn>(c: &mut C) -> StoreResult<Vec<SwitchQueue>> {
    let rows: Vec<SwitchQueueRow> = c
        .fetch_all(
            "SELECT switch_id, COUNT(*) AS n, MIN(created_at) AS oldest FROM jobs \
             WHERE status IN ('pending', 'in_progress') GROUP BY switch_id",
            Vec::new(),
        )
        .await?;
    rows.into_iter().map(SwitchQueueRow::into_model).collect()
}

pub(crate) async fn queued_work<C: Conn>(c: &mut C) -> StoreResult<QueuedWork> {
    let count = |n: Option<CountRow>| u64::try_from(n.map_or(0, |r| r.n)).unwrap_or(0);
    let jobs: Option<CountRow> = c
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'in_progress')",
            Vec::new(),
        )
        .await?;
    let events: Option<CountRow> = c
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM events WHERE status = 'pending'",
            Vec::new(),
        )
        .await?;
    Ok(QueuedWork {
        jobs: count(jobs),
        events: count(events),
    })
}
