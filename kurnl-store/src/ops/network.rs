//! The operator's network reads and deletes: a switch's ports with their locations, live
//! subscription and last applied state; buildings and units with their status; deletes that
//! refuse while something still uses the port.

use std::collections::HashMap;

use crate::conn::{Conn, args};
use crate::error::StoreResult;
use crate::ops::subscriptions::COLUMNS as SUBSCRIPTION_COLUMNS;
use crate::rows::*;
use kurnl_core::model::{Building, PortRef};
use kurnl_core::ports::{ConflictKind, PortOverview, StoreError, UnitOverview};
use kurnl_core::types::{BuildingId, SwitchId};

/// Four reads in one snapshot (the caller's read transaction): ports, locations, live
/// production subscriptions and each port's last completed production job (its desired state,
/// completion time and id).
pub(crate) async fn list_ports<C: Conn>(
    c: &mut C,
    switch: SwitchId,
) -> StoreResult<Vec<PortOverview>> {
    let ports: Vec<PortRow> = c
        .fetch_all(
            "SELECT switch_id, port_number, interface FROM ports WHERE switch_id = $1 ORDER BY port_number",
            args![switch.0],
        )
        .await?;
    let locations: Vec<LocationRow> = c
        .fetch_all(
            "SELECT * FROM locations WHERE switch_id = $1 ORDER BY hash",
            args![switch.0],
        )
        .await?;
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE port_switch_id = $1 \
         AND sandbox = $2 AND status <> 'CANCELLED'"
    );
    let subscriptions: Vec<SubscriptionRow> = c.fetch_all(&sql, args![switch.0, false]).await?;
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs j WHERE j.switch_id = $1 AND j.status = 'completed' \
         AND j.sandbox = $2 AND j.seq = (SELECT o.seq FROM jobs o WHERE o.switch_id = j.switch_id \
         AND o.port_number = j.port_number AND o.status = 'completed' AND o.sandbox = $2 \
         ORDER BY o.updated_at DESC, o.seq DESC LIMIT 1)"
    );
    let applied: Vec<JobRow> = c.fetch_all(&sql, args![switch.0, false]).await?;

    let mut hashes: HashMap<PortRef, Vec<_>> = HashMap::new();
    for row in locations {
        let l = row.into_model()?;
        hashes.entry(l.port).or_default().push(l.hash);
    }
    let mut live = HashMap::new();
    for row in subscriptions {
        let s = row.into_model()?;
        if let Some(port) = s.port {
            live.insert(port, s);
        }
    }
    let mut last = HashMap::new();
    for row in applied {
        let j = row.into_model()?;
        last.insert(j.port, (j.id, j.desired, j.updated_at));
    }
    ports
        .into_iter()
        .map(|row| {
            let port = row.into_model()?;
            let at = port.port;
            let applied = last.remove(&at);
            Ok(PortOverview {
                port,
                locations: hashes.remove(&at).unwrap_or_default(),
                live_subscription: live.remove(&at),
                last_applied_job: applied.as_ref().map(|(id, _, _)| *id),
                last_applied: applied.map(|(_, desired, at)| (desired, at)),
            })
        })
        .collect()
}

/// What still uses the ports of `switch` (all of them, or `port_number` only): subscriptions
/// that are not cancelled, of either environment, and unfinished jobs.
async fn in_use<C: Conn>(
    c: &mut C,
    switch: SwitchId,
    port_number: Option<u32>,
) -> StoreResult<bool> {
    let (port_sub, port_job) = match port_number {
        Some(_) => (" AND port_number = $2", " AND port_number = $2"),
        None => ("", ""),
    };
    let sql = format!(
        "SELECT (SELECT count(*) FROM subscriptions WHERE port_switch_id = $1{port_sub} \
         AND status <> 'CANCELLED') + (SELECT count(*) FROM jobs WHERE switch_id = $1{port_job} \
         AND status IN ('pending', 'in_progress')) AS n"
    );
    let mut a = args![switch.0];
    if let Some(n) = port_number {
        a.push(n.into());
    }
    let row: Option<CountRow> = c.fetch_optional(&sql, a).await?;
    Ok(row.is_some_and(|r| r.n > 0))
}

pub(crate) async fn delete_port<C: Conn>(c: &mut C, port: PortRef) -> StoreResult<()> {
    let exists: Option<CountRow> = c
        .fetch_optional(
            "SELECT count(*) AS n FROM ports WHERE switch_id = $1 AND port_number = $2",
            args![port.switch_id.0, port.port_number],
        )
        .await?;
    if exists.is_none_or(|row| row.n == 0) {
        return Err(StoreError::NotFound("port"));
    }
    if in_use(c, port.switch_id, Some(port.port_number)).await? {
        return Err(StoreError::Conflict(ConflictKind::InUse));
    }
    let at = args![port.switch_id.0, port.port_number];
    c.execute(
        "DELETE FROM locations WHERE switch_id = $1 AND port_number = $2",
        at.clone(),
    )
    .await?;
    c.execute(
        "DELETE FROM ports WHERE switch_id = $1 AND port_number = $2",
        at,
    )
    .await?;
    Ok(())
}

pub(crate) async fn delete_switch<C: Conn>(c: &mut C, id: SwitchId) -> StoreResult<()> {
    let exists: Option<IdRow> = c
        .fetch_optional("SELECT id FROM switches WHERE id = $1", args![id.0])
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("switch"));
    }
    if in_use(c, id, None).await? {
        return Err(StoreError::Conflict(ConflictKind::InUse));
    }
    for table in ["locations", "ports"] {
        c.execute(
            &format!("DELETE FROM {table} WHERE switch_id = $1"),
            args![id.0],
        )
        .await?;
    }
    c.execute("DELETE FROM switches WHERE id = $1", args![id.0])
        .await?;
    Ok(())
}

pub(crate) async fn list_buildings<C: Conn>(c: &mut C) -> StoreResult<Vec<Building>> {
    let rows: Vec<BuildingRow> = c
        .fetch_all(
            "SELECT id, name, address FROM buildings ORDER BY name, id",
            Vec::new(),
        )
        .await?;
    Ok(rows.into_iter().map(BuildingRow::into_model).collect())
}

pub(crate) async fn list_units<C: Conn>(
    c: &mut C,
    building: BuildingId,
) -> StoreResult<Vec<UnitOverview>> {
    let rows: Vec<UnitStatusRow> = c
        .fetch_all(
            "SELECT u.id, u.building_id, u.label, u.floor, s.id AS subscription_id, \
             s.status AS subscription_status FROM units u LEFT JOIN subscriptions s \
             ON s.unit_id = u.id AND s.sandbox = $2 AND s.status <> 'CANCELLED' \
             WHERE u.building_id = $1 ORDER BY u.label, u.id",
            args![building.0, false],
        )
        .await?;
    rows.into_iter().map(UnitStatusRow::into_model).collect()
}
