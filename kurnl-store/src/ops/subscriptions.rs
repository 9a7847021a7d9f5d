//! Provider-scoped reads of subscriptions.

use crate::conn::{Conn, args};
use crate::error::StoreResult;
use crate::rows::*;
use kurnl_core::model::Subscription;
use kurnl_core::types::{ProviderId, SubscriberId, SubscriptionId};

pub(crate) const COLUMNS: &str = "id, provider_id, sandbox, subscriber_id, plan_version_id, status, delivery_mode, \
     location_hash, unit_id, port_switch_id, port_number, mac, external_subscription_id, idempotency_key, \
     request_fingerprint, initial_job_id, revision, created_at, updated_at";

pub(crate) async fn get_subscription<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    id: SubscriptionId,
) -> StoreResult<Option<Subscription>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE id = $1 AND provider_id = $2");
    let row: Option<SubscriptionRow> = c.fetch_optional(&sql, args![id.0, provider.0]).await?;
    row.map(SubscriptionRow::into_model).transpose()
}

/// Served by the partial unique index `subscriptions_idempotency_uq`, whose predicate the
/// query repeats.
pub(crate) async fn find_live_subscription_by_key<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    sandbox: bool,
    key: &str,
) -> StoreResult<Option<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE provider_id = $1 AND sandbox = $2 AND idempotency_key = $3 \
         AND status <> 'CANCELLED' AND idempotency_key IS NOT NULL"
    );
    let row: Option<SubscriptionRow> = c
        .fetch_optional(&sql, args![provider.0, sandbox, key])
        .await?;
    row.map(SubscriptionRow::into_model).transpose()
}

pub(crate) async fn list_subscriptions_of<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    subscriber: SubscriberId,
) -> StoreResult<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE subscriber_id = $1 AND provider_id = $2 ORDER BY created_at, seq"
    );
    let rows: Vec<SubscriptionRow> = c.fetch_all(&sql, args![subscriber.0, provider.0]).await?;
    rows.into_iter().map(SubscriptionRow::into_model).collect()
}
