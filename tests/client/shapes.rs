//! The schema shapes vCenter's spec does not use, decoded and sent by a generated client over
//! HTTP: `tests/shapes/client`, generated from `tests/shapes/shapes.yaml`, against wiremock on
//! 127.0.0.1. Each test asserts the exact value decoded, or the exact request sent.

use serde_json::json;
use shapes_client::types::{
    Cat, Color, Dog, EcKey, Key, KeyOneOf, Labels, Mark, MarkAnyOf, MarkAnyOfObject, NameOrId, Pet,
    Point, Record, RsaKey, SearchId, Shape, ShapeCircle, ShapeFramed, ShapeGroup, Value,
};
use shapes_client::Client;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder(&server.uri())
        .build()
        .expect("the mock server's URL is a valid base URL")
}

async fn serve_json(server: &MockServer, route: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_discriminated_one_of_decodes_by_its_tag_and_keeps_unknown_tags() {
    let server = MockServer::start().await;
    serve_json(
        &server,
        "/pets/1",
        json!({"pet_type": "cat", "name": "Tom", "lives": 9}),
    )
    .await;
    serve_json(
        &server,
        "/pets/2",
        json!({"pet_type": "dog", "name": "Rex", "lives": 9}),
    )
    .await;
    serve_json(
        &server,
        "/pets/3",
        json!({"pet_type": "parrot", "name": "Polly"}),
    )
    .await;
    let client = client(&server);
    assert_eq!(
        client.get_pet("1").await.expect("a cat decodes"),
        Pet::Cat(Cat {
            name: "Tom".into(),
            pet_type: "cat".into(),
            lives: 9
        })
    );
    // The tag decides, not the fields: `lives` does not make a dog a cat.
    assert_eq!(
        client.get_pet("2").await.expect("a dog decodes"),
        Pet::Dog(Dog {
            name: "Rex".into(),
            pet_type: "dog".into(),
            good: None
        })
    );
    assert_eq!(
        client.get_pet("3").await.expect("an unknown tag decodes"),
        Pet::Other(json!({"pet_type": "parrot", "name": "Polly"}))
    );
}

#[tokio::test]
async fn a_union_tagged_by_a_constant_property_round_trips_with_its_tag() {
    let server = MockServer::start().await;
    let shapes = json!([
        {"kind": "circle", "radius": 1.5},
        {"kind": "framed", "inner": {"kind": "group", "members": [{"kind": "circle", "radius": 2.0}]}},
        {"kind": "hexagon", "side": 3}
    ]);
    serve_json(&server, "/shapes", shapes).await;
    let framed = Shape::Framed(Box::new(ShapeFramed {
        inner: Box::new(Shape::Group(ShapeGroup {
            members: vec![Shape::Circle(ShapeCircle { radius: 2.0 })],
        })),
    }));
    // Sending writes the tag, which the member structs do not hold.
    Mock::given(method("POST"))
        .and(path("/shapes"))
        .and(body_json(json!({
            "kind": "framed",
            "inner": {"kind": "group", "members": [{"kind": "circle", "radius": 2.0}]}
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let decoded = client.list_shapes().await.expect("the shapes decode");
    assert_eq!(
        decoded,
        vec![
            Shape::Circle(ShapeCircle { radius: 1.5 }),
            framed.clone(),
            Shape::Other(json!({"kind": "hexagon", "side": 3})),
        ]
    );
    client.add_shape(&framed).await.expect("the shape is sent");
}

#[tokio::test]
async fn an_untagged_any_of_takes_the_first_member_that_fits_and_keeps_the_rest() {
    let server = MockServer::start().await;
    serve_json(
        &server,
        "/values",
        json!(["text", 7, ["a", "b"], {"x": 1, "y": 2}, {"z": true}, [1, 2]]),
    )
    .await;
    let values = client(&server)
        .list_values()
        .await
        .expect("every value decodes");
    assert_eq!(
        values,
        vec![
            Value::String("text".into()),
            Value::Integer(7),
            Value::List(vec!["a".into(), "b".into()]),
            Value::Point(shapes_client::types::Point { x: 1, y: 2 }),
            Value::Other(json!({"z": true})),
            // A list is never read as a struct's fields in order.
            Value::Other(json!([1, 2])),
        ]
    );
}

#[tokio::test]
async fn properties_beside_additional_properties_keep_the_rest_in_a_map() {
    let server = MockServer::start().await;
    serve_json(
        &server,
        "/labels",
        json!({"name": "web", "team": "infra", "tier": "1"}),
    )
    .await;
    let labels = client(&server)
        .get_labels()
        .await
        .expect("the labels decode");
    assert_eq!(
        labels,
        Labels {
            name: "web".into(),
            additional_properties: [("team", "infra"), ("tier", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    );
}

#[tokio::test]
async fn nullable_fields_tell_absent_from_null_both_ways() {
    let server = MockServer::start().await;
    // Sent: `note` always (null here), `parent` as an explicit null, `shade` left out.
    Mock::given(method("PUT"))
        .and(path("/records/my-record"))
        .and(body_json(json!({
            "title": "t",
            "note": null,
            "parent": null,
            "color": "green"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "title": "t",
            "note": null,
            "parent": null,
            "color": "blue"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let record = Record {
        title: "t".into(),
        note: None,
        parent: Some(None),
        color: Some(Color::Green),
        shade: None,
    };
    let stored = client(&server)
        .put_record(&NameOrId::Name("my-record".into()), &record)
        .await
        .expect("the record is stored");
    assert_eq!(
        stored,
        Record {
            title: "t".into(),
            note: None,
            parent: Some(None),
            color: Some(Color::Unknown("blue".into())),
            shade: None,
        }
    );
}

#[tokio::test]
async fn a_union_in_the_query_is_sent_by_its_json_form() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("id", "a"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .search(Some(&SearchId::String("a".into())))
        .await
        .expect("one id is one pair");
    client
        .search(Some(&SearchId::List(vec!["a".into(), "b".into()])))
        .await
        .expect("a list is one pair per item");
    let requests = server.received_requests().await.unwrap_or_default();
    let queries: Vec<Option<&str>> = requests.iter().map(|r| r.url.query()).collect();
    assert_eq!(queries, vec![Some("id=a"), Some("id=a&id=b")]);
}

#[tokio::test]
async fn a_tagged_one_of_beside_properties_of_its_own_is_flattened_into_the_object() {
    let server = MockServer::start().await;
    serve_json(
        &server,
        "/keys",
        json!([
            {"alg": "RS256", "kty": "RSA", "n": "modulus"},
            {"alg": "ES256", "kty": "EC", "x": "point"},
            {"alg": "EdDSA", "kty": "OKP", "crv": "Ed25519"}
        ]),
    )
    .await;
    let ec = Key {
        alg: "ES256".into(),
        one_of: KeyOneOf::EcKey(EcKey {
            kty: "EC".into(),
            x: "point".into(),
        }),
    };
    // Sending writes the object's own properties and the member's side by side, once each.
    Mock::given(method("POST"))
        .and(path("/keys"))
        .and(body_json(
            json!({"alg": "ES256", "kty": "EC", "x": "point"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(
        client.list_keys().await.expect("the keys decode"),
        vec![
            Key {
                alg: "RS256".into(),
                one_of: KeyOneOf::RsaKey(RsaKey {
                    kty: "RSA".into(),
                    n: "modulus".into(),
                }),
            },
            ec.clone(),
            // An unknown tag keeps the member's properties; the object's own are still read.
            Key {
                alg: "EdDSA".into(),
                one_of: KeyOneOf::Other(json!({"kty": "OKP", "crv": "Ed25519"})),
            },
        ]
    );
    client.add_key(&ec).await.expect("the key is sent");
}

#[tokio::test]
async fn an_untagged_any_of_beside_properties_of_its_own_is_flattened_into_the_object() {
    let server = MockServer::start().await;
    serve_json(
        &server,
        "/marks",
        json!([
            {"label": "home", "x": 1, "y": 2},
            {"name": "north"},
            {"label": "odd", "z": true}
        ]),
    )
    .await;
    let client = client(&server);
    assert_eq!(
        client.list_marks().await.expect("the marks decode"),
        vec![
            Mark {
                label: Some("home".into()),
                any_of: MarkAnyOf::Point(Point { x: 1, y: 2 }),
            },
            Mark {
                label: None,
                any_of: MarkAnyOf::Object(MarkAnyOfObject {
                    name: "north".into()
                }),
            },
            Mark {
                label: Some("odd".into()),
                any_of: MarkAnyOf::Other(json!({"z": true})),
            },
        ]
    );
}
