//! Subscriber management: create, list, get, update, list subscriptions.

use super::fields::{Fields, present, uuid};
use super::requests::{PageQuery, SubscriberCreateRequest, SubscriberListQuery, SubscriberPatch};
use super::responses::{PageView, SubscriberCreated, SubscriberView, SubscriptionView};
use super::{Caller, Service};
use crate::error::{Error, Result};
use crate::model::{Address, Subscriber};
use crate::ports::{ConflictKind, StoreError, SubscriberQuery};
use crate::types::{
    Email, InvalidValue, SubscriberId, SubscriptionStatus, Text, country_or_default,
};

/// How often an update is re-applied after a concurrent change.
const CAS_RETRIES: usize = 16;

impl Service {
    /// `POST /provider/subscribers`: registers a subscriber. The same email returns the
    /// existing record (`created == false`); the same email with other details is a 409.
    ///
    /// # Errors
    /// 422 fields, 409 email taken with different details.
    pub async fn create_subscriber(
        &self,
        caller: &Caller,
        req: SubscriberCreateRequest,
    ) -> Result<SubscriberCreated> {
        let mut f = Fields::body();
        let email = f.required(&["email"], req.email.as_deref(), Email::parse);
        let firstname = f.required(&["firstname"], req.firstname.as_deref(), Text::parse);
        let lastname = f.required(&["lastname"], req.lastname.as_deref(), Text::parse);
        let mut opt =
            |name: &str, v: &Option<String>| f.optional(&[name], v.as_deref(), Text::parse);
        let phone = opt("phonenumber", &req.phonenumber);
        let street = opt("street", &req.street);
        let housenumber = opt("housenumber", &req.housenumber);
        let postalcode = opt("postalcode", &req.postalcode);
        let city = opt("city", &req.city);
        let province = opt("province", &req.province);
        let country = f.check(&["country"], country_or_default(req.country.as_deref()));
        f.finish()?;
        let now = self.clock.now();
        let candidate = Subscriber {
            id: self.new_id(),
            provider_id: caller.provider_id,
            sandbox: caller.sandbox,
            email: present(email)?,
            username: None,
            firstname: present(firstname)?,
            lastname: present(lastname)?,
            phonenumber: present(phone)?,
            address: Address {
                street: present(street)?,
                housenumber: present(housenumber)?,
                postalcode: present(postalcode)?,
                city: present(city)?,
                province: present(province)?,
                country: present(country)?,
                unitnumber: None,
                floor: None,
            },
            customer_type: Default::default(),
            password_hash: None,
            invoice_contact: None,
            contract_contact: None,
            revision: 1,
            created_at: now,
            updated_at: now,
        };
        for _ in 0..2 {
            if let Some(existing) = self
                .store
                .find_subscriber_by_email(caller.provider_id, caller.sandbox, &candidate.email)
                .await?
            {
                if !same_details(&existing, &candidate) {
                    return Err(Error::Conflict(
                        "Subscriber with this email exists with different details".into(),
                    ));
                }
                return Ok(SubscriberCreated {
                    created: false,
                    subscriber: SubscriberView::of(&existing),
                });
            }
            match self.store.insert_subscriber(&candidate).await {
                Ok(()) => {
                    return Ok(SubscriberCreated {
                        created: true,
                        subscriber: SubscriberView::of(&candidate),
                    });
                }
                Err(StoreError::Conflict(ConflictKind::SubscriberEmail)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Internal(
            "subscriber neither inserted nor found".into(),
        ))
    }

    /// `GET /provider/subscribers`.
    ///
    /// # Errors
    /// 422 for `page < 1`, `page_size` outside 1..=100, or an unknown `status`.
    pub async fn list_subscribers(
        &self,
        caller: &Caller,
        query: SubscriberListQuery,
    ) -> Result<PageView<SubscriberView>> {
        let mut f = Fields::under(&["query"]);
        let (page, page_size) = page_bounds(&mut f, query.page, query.page_size);
        let status = f.optional(&["status"], query.status.as_deref(), |s| {
            SubscriptionStatus::parse_loose(s).ok_or_else(|| {
                InvalidValue::new(
                    "value_error.enum",
                    "status must be one of: pending, pending_install, active, suspended, cancelled",
                )
            })
        });
        f.finish()?;
        let search = query
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let result = self
            .store
            .list_subscribers(&SubscriberQuery {
                provider_id: caller.provider_id,
                sandbox: caller.sandbox,
                page,
                page_size,
                status: present(status)?,
                search,
            })
            .await?;
        let shown = u64::from(page - 1) * u64::from(page_size) + result.results.len() as u64;
        Ok(PageView {
            results: result.results.iter().map(SubscriberView::of).collect(),
            total: result.total,
            page,
            page_size,
            has_more: shown < result.total,
        })
    }

    /// `GET /provider/subscribers/{id}`: the subscriber with its subscriptions.
    ///
    /// # Errors
    /// 404 unknown or another provider's.
    pub async fn get_subscriber(&self, caller: &Caller, id: &str) -> Result<SubscriberView> {
        let subscriber = self.subscriber(caller, id).await?;
        let subs = self
            .store
            .list_subscriptions_of(caller.provider_id, subscriber.id)
            .await?;
        let mut view = SubscriberView::of(&subscriber);
        view.subscriptions = Some(subs.iter().map(SubscriptionView::from).collect());
        Ok(view)
    }

    /// `PATCH /provider/subscribers/{id}`: changes only the fields sent.
    ///
    /// # Errors
    /// 404, 422 bad field.
    pub async fn update_subscriber(
        &self,
        caller: &Caller,
        id: &str,
        patch: SubscriberPatch,
    ) -> Result<SubscriberView> {
        let mut f = Fields::body();
        let firstname = required_patch(&mut f, "firstname", &patch.firstname);
        let lastname = required_patch(&mut f, "lastname", &patch.lastname);
        let mut opt = |name: &str, v: &Option<Option<String>>| optional_patch(&mut f, name, v);
        let phone = opt("phonenumber", &patch.phonenumber);
        let street = opt("street", &patch.street);
        let housenumber = opt("housenumber", &patch.housenumber);
        let postalcode = opt("postalcode", &patch.postalcode);
        let city = opt("city", &patch.city);
        let province = opt("province", &patch.province);
        f.finish()?;
        let (firstname, lastname, phone) =
            (present(firstname)?, present(lastname)?, present(phone)?);
        let (street, housenumber, postalcode) = (
            present(street)?,
            present(housenumber)?,
            present(postalcode)?,
        );
        let (city, province) = (present(city)?, present(province)?);
        for _ in 0..CAS_RETRIES {
            let current = self.subscriber(caller, id).await?;
            let mut after = current.clone();
            if let Some(v) = &firstname {
                after.firstname = v.clone();
            }
            if let Some(v) = &lastname {
                after.lastname = v.clone();
            }
            // Absent keeps the value; `null` (`Some(None)`) clears it.
            let set = |slot: &mut Option<Text>, v: &Option<Option<Text>>| {
                if let Some(v) = v {
                    slot.clone_from(v);
                }
            };
            set(&mut after.phonenumber, &phone);
            set(&mut after.address.street, &street);
            set(&mut after.address.housenumber, &housenumber);
            set(&mut after.address.postalcode, &postalcode);
            set(&mut after.address.city, &city);
            set(&mut after.address.province, &province);
            if after == current {
                return Ok(SubscriberView::of(&current));
            }
            after.revision += 1;
            after.updated_at = self.clock.now();
            match self.store.update_subscriber(&after, current.revision).await {
                Ok(()) => return Ok(SubscriberView::of(&after)),
                Err(StoreError::Conflict(ConflictKind::Revision)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(
            "Subscriber is being changed concurrently; retry".into(),
        ))
    }

    /// `GET /provider/subscribers/{id}/subscriptions`: one page of the subscriber's
    /// subscriptions, oldest first; `page_size` in the answer is the page size asked for.
    ///
    /// # Errors
    /// 422 for `page < 1` or `page_size` outside 1..=100; 404.
    pub async fn list_subscriber_subscriptions(
        &self,
        caller: &Caller,
        id: &str,
        query: PageQuery,
    ) -> Result<PageView<SubscriptionView>> {
        let mut f = Fields::under(&["query"]);
        let (page, page_size) = page_bounds(&mut f, query.page, query.page_size);
        f.finish()?;
        let subscriber = self.subscriber(caller, id).await?;
        // A subscriber has a handful of subscriptions: the store returns them all.
        let subs = self
            .store
            .list_subscriptions_of(caller.provider_id, subscriber.id)
            .await?;
        let total = subs.len() as u64;
        let skip = u64::from(page - 1) * u64::from(page_size);
        let results: Vec<SubscriptionView> = subs
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(page_size as usize)
            .map(SubscriptionView::from)
            .collect();
        let shown = skip + results.len() as u64;
        Ok(PageView {
            results,
            total,
            page,
            page_size,
            has_more: shown < total,
        })
    }

    async fn subscriber(&self, caller: &Caller, id: &str) -> Result<Subscriber> {
        let not_found = || Error::NotFound("Subscriber not found".into());
        let id: SubscriberId = uuid(id).map_err(|_| not_found())?;
        match self.store.get_subscriber(caller.provider_id, id).await? {
            Some(s) if s.sandbox == caller.sandbox => Ok(s),
            _ => Err(not_found()),
        }
    }
}

/// `page` (default 1, at least 1) and `page_size` (default 50, 1..=100), recording a 422 item
/// for each bad one. The values returned are only meaningful when none was recorded.
pub(crate) fn page_bounds(f: &mut Fields, page: Option<u32>, page_size: Option<u32>) -> (u32, u32) {
    let page = page.unwrap_or(1);
    let page_size = page_size.unwrap_or(50);
    if page < 1 {
        f.push(
            &["page"],
            InvalidValue::new("value_error.number.not_ge", "page must be at least 1"),
        );
    }
    if !(1..=100).contains(&page_size) {
        f.push(
            &["page_size"],
            InvalidValue::new("value_error.number", "page_size must be between 1 and 100"),
        );
    }
    (page.max(1), page_size.clamp(1, 100))
}

/// A required field in a patch: absent is `Some(None)` (keep), `null` a 422.
fn required_patch(f: &mut Fields, name: &str, v: &Option<Option<String>>) -> Option<Option<Text>> {
    match v {
        None => Some(None),
        Some(None) => {
            f.push(
                &[name],
                InvalidValue::new(
                    "type_error.none.not_allowed",
                    "none is not an allowed value",
                ),
            );
            None
        }
        Some(Some(v)) => f.check(&[name], Text::parse(v)).map(Some),
    }
}

/// An optional field in a patch: absent is `Some(None)` (keep), `null` is `Some(Some(None))`
/// (clear), a value `Some(Some(Some(v)))`; an invalid value records an error and is `None`.
fn optional_patch(
    f: &mut Fields,
    name: &str,
    v: &Option<Option<String>>,
) -> Option<Option<Option<Text>>> {
    match v {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(v)) => f.check(&[name], Text::parse(v)).map(|t| Some(Some(t))),
    }
}

/// Whether a create request carries the details already stored (fields it leaves out count as
/// matching, so a retry of a sparser call is still a replay).
fn same_details(existing: &Subscriber, candidate: &Subscriber) -> bool {
    let opt = |a: &Option<Text>, b: &Option<Text>| b.is_none() || a == b;
    existing.firstname == candidate.firstname
        && existing.lastname == candidate.lastname
        && opt(&existing.phonenumber, &candidate.phonenumber)
        && opt(&existing.address.street, &candidate.address.street)
        && opt(
            &existing.address.housenumber,
            &candidate.address.housenumber,
        )
        && opt(&existing.address.postalcode, &candidate.address.postalcode)
        && opt(&existing.address.city, &candidate.address.city)
        && opt(&existing.address.province, &candidate.address.province)
        && existing.address.country == candidate.address.country
}
