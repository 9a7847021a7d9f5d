//! The OpenAPI document and the server agree: error shapes, declared statuses, constraints,
//! links and `servers`.

use axum::Router;
use serde_json::{Value, json};

use crate::support::Api;

/// The served document.
pub(crate) async fn doc(api: &Api) -> Value {
    api.get("/openapi.json").send().await.expect(200).body
}

/// The schema declared for `status` of `method path`, with `$ref`s left in place.
pub(crate) fn declared<'d>(doc: &'d Value, method: &str, path: &str, status: u16) -> &'d Value {
    let op = &doc["paths"][format!("/api/v1{path}")][method];
    assert!(op.is_object(), "no {method} {path} in the document");
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} does not declare {status}"
    );
    schema
}

/// A small JSON Schema check, enough for the error bodies: `$ref`, `type`, `oneOf`, `enum`,
/// `properties`, `required`, `items`.
pub(crate) fn conforms(doc: &Value, schema: &Value, value: &Value) -> bool {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(doc, &doc["components"]["schemas"][name], value);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options.iter().filter(|s| conforms(doc, s, value)).count() == 1;
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        return false;
    }
    let type_ok = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    };
    let types_ok = match &schema["type"] {
        Value::String(t) => type_ok(t),
        Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap_or_default())),
        _ => true,
    };
    if !types_ok {
        return false;
    }
    if let Some(required) = schema["required"].as_array()
        && required
            .iter()
            .any(|k| value.get(k.as_str().unwrap_or_default()).is_none())
    {
        return false;
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        for (k, v) in obj {
            if let Some(s) = props.get(k)
                && !conforms(doc, s, v)
            {
                return false;
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        return arr.iter().all(|v| conforms(doc, items, v));
    }
    true
}

#[tokio::test]
async fn every_422_matches_the_schema_declared_for_it() {
    let api = Api::new().await;
    let doc = doc(&api).await;
    let secret = api.fx.a.webhook_secret.clone();
    let mut bad_hash = api.provision("h@example.com", 0);
    bad_hash["location_hash"] = json!("xyz");
    let mut bad_checkout = api.checkout("h@example.com", 0);
    bad_checkout["location_hash"] = json!("xyz");
    let mut bad_anonymous = api.anonymous("ext-h", 0);
    bad_anonymous["location_hash"] = json!("xyz");
    let mut missing_email = api.provision("", 0);
    missing_email.as_object_mut().unwrap().remove("email");
    let cases = [
        (
            "post",
            "/partner/provisioning/provider-initiated",
            bad_hash,
            false,
        ),
        (
            "post",
            "/partner/provisioning/provider-initiated",
            missing_email,
            false,
        ),
        (
            "post",
            "/partner/external-checkout/complete",
            bad_checkout,
            true,
        ),
        (
            "post",
            "/partner/external-checkout/anonymous-complete",
            bad_anonymous,
            true,
        ),
        (
            "post",
            "/partner/provisioning/bulk",
            json!({"subscribers": []}),
            false,
        ),
        (
            "post",
            "/provider/subscribers",
            json!({"email": "x"}),
            false,
        ),
        (
            "post",
            "/provisioning/confirm-install",
            json!({"port_number": "a"}),
            false,
        ),
    ];
    let mut strings = 0;
    for (method, path, body, by_secret) in cases {
        let call = api.post(path).json(&body);
        let call = if by_secret {
            call.secret(&secret)
        } else {
            call.key(api.a())
        };
        let r = call.send().await.expect(422);
        strings += usize::from(r.body["detail"].is_string());
        let schema = declared(&doc, method, path, 422);
        assert!(
            conforms(&doc, schema, &r.body),
            "{method} {path}: 422 body {} does not match {schema}",
            r.body
        );
    }
    assert_eq!(
        strings, 3,
        "the three malformed hashes answer the plain string"
    );
    // The query 422 of the two lists.
    let r = api
        .get("/provider/subscribers?page=0")
        .key(api.a())
        .send()
        .await
        .expect(422);
    assert!(conforms(
        &doc,
        declared(&doc, "get", "/provider/subscribers", 422),
        &r.body
    ));
}

#[tokio::test]
async fn body_limits_media_types_and_methods_are_declared() {
    let api = Api::new().await;
    let doc = doc(&api).await;
    let mut with_body = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = &op["responses"];
            assert!(responses["405"].is_object(), "{method} {path}: no 405");
            if op.get("requestBody").is_some() {
                with_body += 1;
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses[status].is_object(),
                        "{method} {path}: no {status}"
                    );
                }
            }
        }
    }
    assert_eq!(
        with_body, 21,
        "request bodies: the 8 documented ones, the replay extension, the settings, rotation \
         and key issue of the operator and of the provider, and the operator's 6 network writes"
    );
    // And the server sends them.
    api.call("DELETE", "/provider/subscribers")
        .key(api.a())
        .send()
        .await
        .expect_detail(405, "Method Not Allowed");
    api.post("/provider/subscribers")
        .key(api.a())
        .header("content-type", "text/plain")
        .bytes("{}")
        .send()
        .await
        .expect(415);
}

#[tokio::test]
async fn constraints_the_server_enforces_are_in_the_document() {
    let api = Api::new().await;
    let doc = doc(&api).await;
    let list = &doc["paths"]["/api/v1/provider/subscribers"]["get"]["parameters"];
    let param = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name} parameter"))["schema"]
            .clone()
    };
    assert_eq!(param("page")["minimum"], 1);
    assert_eq!(param("page_size")["minimum"], 1);
    assert_eq!(param("page_size")["maximum"], 100);
    let schemas = &doc["components"]["schemas"];
    let bulk = &schemas["BulkRequest"]["properties"]["subscribers"];
    assert_eq!(
        (bulk["minItems"].clone(), bulk["maxItems"].clone()),
        (json!(1), json!(100))
    );
    // Non-empty strings: a pattern that needs a non-blank character.
    let firstname = &schemas["ProvisionRequest"]["properties"]["firstname"];
    let pattern = firstname["pattern"]
        .as_str()
        .expect("firstname has a pattern");
    assert!(pattern.starts_with('^') && pattern.ends_with('$'));
    let port = &schemas["ConfirmInstallRequest"]["properties"]["port_number"];
    assert_eq!(port["type"], "integer");
    // The server enforces each of them.
    for q in ["page=0", "page_size=0", "page_size=101"] {
        api.get(&format!("/provider/subscribers?{q}"))
            .key(api.a())
            .send()
            .await
            .expect(422);
    }
    let mut blank = api.provision("blank@example.com", 0);
    blank["firstname"] = json!("   ");
    let r = api
        .post("/partner/provisioning/provider-initiated")
        .key(api.a())
        .json(&blank)
        .send()
        .await
        .expect(422);
    r.item_at(&["body", "firstname"]);
}

#[tokio::test]
async fn bulk_rejects_mistyped_entries_before_queueing_anything() {
    let api = Api::new().await;
    let mut entry = api.provision("typed@example.com", 0);
    entry["street"] = json!({});
    let good = api.provision("fine@example.com", 1);
    let r = api
        .post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&json!({"subscribers": [good, entry, 7]}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        r.item_at(&["body", "subscribers", "1", "street"])["type"],
        "type_error.str"
    );
    assert_eq!(
        r.item_at(&["body", "subscribers", "2"])["type"],
        "type_error.dict"
    );
    api.fx.settle().await;
    assert!(api.fx.sink.names().is_empty(), "nothing was queued");
}

#[tokio::test]
async fn an_integral_float_port_number_is_an_integer() {
    let api = Api::new().await;
    let r = api
        .post("/partner/external-checkout/complete")
        .secret(&api.fx.a.webhook_secret)
        .json(&api.home_drop("float@example.com", 0))
        .send()
        .await
        .expect(200);
    let sub = r.id("subscription_id");
    let port = 7u32; // a free port of the fixture's switch, as in the home-drop flow
    let confirm = |n: Value| {
        json!({
            "subscription_id": sub,
            "switch_id": api.fx.switch_record.id.to_string(),
            "port_number": n,
        })
    };
    let as_int = api
        .post("/provisioning/confirm-install")
        .key(api.a())
        .json(&confirm(json!(f64::from(port))))
        .send()
        .await
        .expect(200);
    assert_eq!(as_int.body["subscription_id"], sub.as_str());
    let r = api
        .post("/provisioning/confirm-install")
        .key(api.a())
        .json(&confirm(json!(f64::from(port) + 0.5)))
        .send()
        .await
        .expect(422);
    assert_eq!(
        r.item_at(&["body", "port_number"])["type"],
        "type_error.integer"
    );
}

#[tokio::test]
async fn responses_link_the_ids_to_the_calls_that_take_them() {
    let api = Api::new().await;
    let doc = doc(&api).await;
    let mut ids = std::collections::HashSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.insert(op["operationId"].as_str().unwrap().to_owned());
        }
    }
    let links = |path: &str, method: &str, status: &str| {
        doc["paths"][format!("/api/v1{path}")][method]["responses"][status]["links"].clone()
    };
    let expect = [
        (
            "/partner/provisioning/provider-initiated",
            "post",
            "200",
            "job_id",
            "job_status",
        ),
        (
            "/partner/provisioning/provider-initiated",
            "post",
            "200",
            "subscription_id",
            "cancel",
        ),
        (
            "/partner/provisioning/provider-initiated",
            "post",
            "200",
            "subscriber_id",
            "get_one",
        ),
        (
            "/partner/external-checkout/complete",
            "post",
            "200",
            "subscription_id",
            "suspend",
        ),
        (
            "/partner/provisioning/bulk",
            "post",
            "202",
            "batch_id",
            "bulk_status",
        ),
        (
            "/provider/subscribers",
            "post",
            "201",
            "subscriber_id",
            "update",
        ),
        (
            "/subscription/{subscription_id}/suspend",
            "post",
            "200",
            "subscription_id",
            "reactivate",
        ),
    ];
    for (path, method, status, id, target) in expect {
        let all = links(path, method, status);
        let link = all
            .as_object()
            .unwrap_or_else(|| panic!("no links on {method} {path} {status}"))
            .values()
            .find(|l| l["operationId"] == target)
            .unwrap_or_else(|| panic!("{method} {path} does not link to {target}"));
        assert_eq!(link["parameters"][id], format!("$response.body#/{id}"));
        assert!(ids.contains(target), "{target} is an operation id");
    }
}

#[tokio::test]
async fn servers_names_the_prefix_the_api_is_served_under() {
    let api = Api::new().await;
    assert_eq!(doc(&api).await["servers"][0]["url"], "/");
    let nested = Router::new().nest("/isp", kurnl_http::router(api.fx.service.clone()));
    let host = Api::bare(nested).await;
    let r = host
        .raw("GET", "/isp/api/v1/openapi.json")
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["servers"][0]["url"], "/isp");
    let proxied = kurnl_http::router_with_config(
        api.fx.service.clone(),
        kurnl_http::RouterConfig::default().with_public_prefix("/gateway/kurnl"),
    );
    let behind = Api::bare(proxied).await;
    let r = behind
        .raw("GET", "/api/v1/openapi.json")
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["servers"][0]["url"], "/gateway/kurnl");
}

#[tokio::test]
async fn every_operator_operation_is_an_extension_under_the_operator_key() {
    let api = Api::new().await;
    let doc = doc(&api).await;
    let mut seen = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/operator/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(op["x-kurnl-extension"], true, "{method} {path}");
            assert_eq!(
                op["security"][0]["operator_key"],
                json!([]),
                "{method} {path}"
            );
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path}: no 401"
            );
            seen.push(format!("{method} {path}"));
        }
    }
    for want in ["get /api/v1/operator/drift", "get /api/v1/operator/audits"] {
        assert!(seen.iter().any(|s| s == want), "{want} missing: {seen:?}");
    }
    let drift = &doc["paths"]["/api/v1/operator/drift"]["get"];
    let params: Vec<_> = drift["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    assert_eq!(
        params,
        vec![
            ("switch_id", "query"),
            ("since", "query"),
            ("limit", "query")
        ]
    );
    assert!(drift["responses"]["422"].is_object());
}

#[tokio::test]
async fn the_drift_extensions_are_in_the_event_and_job_vocabulary() {
    let api = Api::new().await;
    let doc = doc(&api).await;
    let schemas = &doc["components"]["schemas"];
    // The webhook body of the extension event, marked as one.
    let event = &schemas["PortDriftDetected"];
    assert_eq!(event["x-kurnl-extension"], true, "{event}");
    assert_eq!(
        event["properties"]["event"]["enum"],
        json!(["port.drift_detected"])
    );
    let field = |name: &str| {
        let s = &schemas[name];
        assert!(s.is_object(), "no schema {name}");
        s["enum"].clone()
    };
    assert_eq!(
        field("DriftField"),
        json!(["vlan", "rate", "mac", "enabled", "description", "other"])
    );
    assert_eq!(field("DriftPolicy"), json!(["report", "repair"]));
    // The delivery filters accept its name.
    let deliveries = doc["paths"]["/api/v1/provider/webhooks/deliveries"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "event")
        .unwrap()["schema"]["pattern"]
        .as_str()
        .unwrap()
        .to_owned();
    let replay = schemas["ReplayRequest"]["properties"]["event"]["pattern"]
        .as_str()
        .unwrap()
        .to_owned();
    for pattern in [&deliveries, &replay] {
        assert!(pattern.contains(r"port\.drift_detected"), "{pattern}");
    }
    let tag = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "webhooks")
        .unwrap()["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(tag.contains("port.drift_detected"), "{tag}");
    // And the job action lists name `repair`.
    for (schema, field) in [("OperatorJob", "action"), ("JobView", "action")] {
        let text = schemas[schema]["properties"][field]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("`repair`"), "{schema}.{field}: {text}");
    }
}
