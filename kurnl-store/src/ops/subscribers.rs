//! Subscribers: insert, lookups, optimistic update and the paged list.

use crate::conn::{Arg, Conn, args};
use crate::error::StoreResult;
use crate::rows::*;
use kurnl_core::model::Subscriber;
use kurnl_core::ports::{ConflictKind, Page, StoreError, SubscriberQuery};
use kurnl_core::types::{Email, ProviderId, SubscriberId};

/// The columns a subscriber write sets, as arguments `$1..=$17`.
pub(crate) fn subscriber_args(s: &Subscriber) -> StoreResult<Vec<Arg>> {
    let mut a = args![
        s.id.0,
        s.provider_id.0,
        s.sandbox,
        s.email.as_str(),
        s.username.as_ref().map(|u| u.as_str().to_owned()),
        s.firstname.as_str(),
        s.lastname.as_str(),
        s.phonenumber.as_ref().map(|p| p.as_str().to_owned()),
    ];
    a.push(Arg::json(&s.address)?);
    a.push(Arg::from(customer_type_str(s.customer_type)));
    a.push(Arg::from(s.password_hash.as_ref().map(|h| h.0.clone())));
    a.push(Arg::json_opt(s.invoice_contact.as_ref())?);
    a.push(Arg::json_opt(s.contract_contact.as_ref())?);
    a.extend(args![
        search_text(s),
        s.revision,
        s.created_at,
        s.updated_at
    ]);
    Ok(a)
}

pub(crate) const INSERT_SUBSCRIBER: &str = "INSERT INTO subscribers (id, provider_id, sandbox, email, username, \
     firstname, lastname, phonenumber, address, customer_type, password_hash, invoice_contact, contract_contact, \
     search_text, revision, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

pub(crate) async fn insert_subscriber<C: Conn>(c: &mut C, s: &Subscriber) -> StoreResult<()> {
    c.execute(INSERT_SUBSCRIBER, subscriber_args(s)?).await?;
    Ok(())
}

pub(crate) async fn get_subscriber<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    id: SubscriberId,
) -> StoreResult<Option<Subscriber>> {
    let row: Option<SubscriberRow> = c
        .fetch_optional(
            "SELECT * FROM subscribers WHERE id = $1 AND provider_id = $2",
            args![id.0, provider.0],
        )
        .await?;
    row.map(SubscriberRow::into_model).transpose()
}

pub(crate) async fn find_subscriber_by_email<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    sandbox: bool,
    email: &Email,
) -> StoreResult<Option<Subscriber>> {
    let row: Option<SubscriberRow> = c
        .fetch_optional(
            "SELECT * FROM subscribers WHERE provider_id = $1 AND sandbox = $2 AND email = $3",
            args![provider.0, sandbox, email.as_str()],
        )
        .await?;
    row.map(SubscriberRow::into_model).transpose()
}

/// Compare-and-swap on `revision`; `NotFound` when the row is gone, `Conflict(Revision)` when
/// someone else changed it first, `Conflict(SubscriberEmail)` when the new email is taken.
pub(crate) async fn update_subscriber<C: Conn>(
    c: &mut C,
    after: &Subscriber,
    expected_revision: i64,
) -> StoreResult<()> {
    let mut a = subscriber_args(after)?;
    a.push(Arg::from(expected_revision));
    let n = c
        .execute(
            "UPDATE subscribers SET provider_id = $2, sandbox = $3, email = $4, username = $5, firstname = $6, \
             lastname = $7, phonenumber = $8, address = $9, customer_type = $10, password_hash = $11, \
             invoice_contact = $12, contract_contact = $13, search_text = $14, revision = $15, created_at = $16, \
             updated_at = $17 WHERE id = $1 AND revision = $18",
            a,
        )
        .await?;
    if n == 1 {
        return Ok(());
    }
    let exists: Option<IdRow> = c
        .fetch_optional(
            "SELECT id FROM subscribers WHERE id = $1",
            args![after.id.0],
        )
        .await?;
    Err(match exists {
        Some(_) => StoreError::Conflict(ConflictKind::Revision),
        None => StoreError::NotFound("subscriber"),
    })
}

/// One page, oldest first. The filters narrow an index range scan on
/// `subscribers_list_idx (provider_id, sandbox, created_at, id)`; the page is an
/// `OFFSET` into that ordered range (the trait is page-number based).
pub(crate) async fn list_subscribers<C: Conn>(
    c: &mut C,
    q: &SubscriberQuery,
) -> StoreResult<Page<Subscriber>> {
    let (filter, args) = list_filter(q);
    let count: Option<CountRow> = c
        .fetch_optional(
            &format!("SELECT count(*) AS n FROM subscribers s WHERE {filter}"),
            args.clone(),
        )
        .await?;
    let total = count.map_or(0, |r| r.n);
    let size = i64::from(q.page_size.clamp(1, 100));
    let offset = i64::from(q.page.max(1) - 1) * size;
    let mut page_args = args;
    let n = page_args.len();
    page_args.extend(args![size, offset]);
    let sql = format!(
        "SELECT s.* FROM subscribers s WHERE {filter} ORDER BY s.created_at, s.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows: Vec<SubscriberRow> = c.fetch_all(&sql, page_args).await?;
    let results = rows
        .into_iter()
        .map(SubscriberRow::into_model)
        .collect::<StoreResult<_>>()?;
    Ok(Page {
        results,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// The `WHERE` clause of the subscriber list and its arguments.
pub(crate) fn list_filter(q: &SubscriberQuery) -> (String, Vec<Arg>) {
    let mut sql = String::from("s.provider_id = $1 AND s.sandbox = $2");
    let mut a = args![q.provider_id.0, q.sandbox];
    if let Some(status) = q.status {
        a.push(Arg::from(status.as_str()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = s.id AND x.provider_id = s.provider_id \
             AND x.status = ${})",
            a.len()
        ));
    }
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        a.push(Arg::from(search.to_lowercase()));
        // Substring test on the pre-lowered text (Rust's Unicode lower-casing on both sides);
        // `LIKE` with escaped wildcards is what both backends share.
        sql.push_str(&format!(
            " AND s.search_text LIKE '%' || ${} || '%' ESCAPE '\\'",
            a.len()
        ));
        if let Some(Arg::Text(Some(t))) = a.last_mut() {
            *t = escape_like(t);
        }
    }
    (sql, a)
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}
