//! The mockall mocks of the ports, used to check how the service treats a failing store.
#![cfg(feature = "testkit")]

use std::sync::Arc;

use kurnl_core::error::Detail;
use kurnl_core::ports::{MockStore, StoreError};
use kurnl_core::service::{Caller, ProvisionRequest, Service};
use kurnl_core::types::ProviderId;

fn request() -> ProvisionRequest {
    ProvisionRequest {
        plan_version_id: Some(uuid::Uuid::new_v4().to_string()),
        location_hash: Some("ab12cd34ef".into()),
        email: Some("carol@example.com".into()),
        firstname: Some("Carol".into()),
        lastname: Some("White".into()),
        street: Some("Pine Rd".into()),
        housenumber: Some("88".into()),
        postalcode: Some("C3D 4E5".into()),
        city: Some("Kelowna".into()),
        province: Some("BC".into()),
        ..ProvisionRequest::default()
    }
}

#[tokio::test]
async fn a_store_failure_is_a_500_that_says_nothing_internal() {
    let mut store = MockStore::new();
    store.expect_get_plan_version().returning(|_| {
        Err(StoreError::Backend {
            message: "disk on fire at /var/lib/kurnl".into(),
            retryable: true,
        })
    });
    store.expect_commit().never();
    let service = Service::new(Arc::new(store));
    let caller = Caller {
        provider_id: ProviderId::new_random(),
        sandbox: false,
    };
    let err = service
        .provider_initiated(&caller, request())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 500);
    assert_eq!(err.detail(), Detail::Text("Internal server error".into()));
}

#[tokio::test]
async fn invalid_input_never_reaches_the_store() {
    // A mock with no expectations panics on any call: validation must answer first.
    let service = Service::new(Arc::new(MockStore::new()));
    let caller = Caller {
        provider_id: ProviderId::new_random(),
        sandbox: false,
    };
    let mut bad = request();
    bad.mac_address = Some("zz:zz:zz:zz:zz:zz".into());
    bad.email = Some("nope".into());
    let err = service.provider_initiated(&caller, bad).await.unwrap_err();
    let Detail::Fields(fields) = err.detail() else {
        panic!("expected a field list")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field().to_owned()).collect();
    assert_eq!(names, ["email", "mac_address"]);
}
