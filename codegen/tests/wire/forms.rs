//! Form bodies holding objects and lists, `deepObject` on scalars and lists, and multipart
//! bodies that are one file or a list of files (README, "Nested forms"): the exact bytes sent.

use std::collections::BTreeMap;

use wire_forms::types::{
    Category, LogInBody, Pet, PetStatus, PlaceOrderBody, PlaceOrderBodyDeep, PlaceOrderBodyFlat,
    PlaceOrderBodyLinesItem, PlaceOrderBodyMetadata, PlaceOrderBodyShipping,
    PlaceOrderBodyShippingAddress, SearchFilter, Tag, UploadDescribedForm, UploadManyForm,
    UploadOneForm, UploadUntypedForm,
};
use wire_forms::Client;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn start() -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("a client");
    (server, client)
}

/// The one request the server received.
async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

/// The body of the one request, which must be a form.
async fn form_of_only_request(server: &MockServer) -> String {
    let request = only_request(server).await;
    assert_eq!(
        request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded"),
        "a form body is sent with the form media type"
    );
    String::from_utf8(request.body).expect("a form body is ASCII")
}

#[tokio::test]
async fn a_nested_object_and_a_list_of_objects_are_written_in_the_bracket_form() {
    let (server, client) = start().await;
    let pet = Pet {
        id: Some(7),
        name: "doggie".into(),
        category: Some(Category {
            id: Some(1),
            name: Some("Dogs".into()),
        }),
        photo_urls: vec!["a.png".into(), "b c.png".into()],
        tags: Some(vec![
            Tag {
                id: Some(1),
                name: Some("x".into()),
            },
            Tag {
                id: None,
                name: Some("y&z".into()),
            },
        ]),
        status: Some(PetStatus::Available),
    };
    client.add_pet(&pet).await.expect("the call succeeds");
    assert_eq!(
        form_of_only_request(&server).await,
        "category%5Bid%5D=1&category%5Bname%5D=Dogs&id=7&name=doggie\
         &photoUrls=a.png&photoUrls=b+c.png&status=available\
         &tags%5B0%5D%5Bid%5D=1&tags%5B0%5D%5Bname%5D=x&tags%5B1%5D%5Bname%5D=y%26z"
    );
}

#[tokio::test]
async fn each_member_is_written_as_its_encoding_says() {
    let (server, client) = start().await;
    let order = PlaceOrderBody {
        item: Some("book".into()),
        shipping: Some(PlaceOrderBodyShipping {
            address: Some(PlaceOrderBodyShippingAddress {
                street: Some("1 Main St".into()),
                city: Some("Town".into()),
            }),
            express: Some(true),
        }),
        lines: Some(vec![PlaceOrderBodyLinesItem {
            sku: Some("s1".into()),
            quantity: Some(2),
            options: Some(vec!["gift".into(), "wrap".into()]),
        }]),
        codes: Some(vec!["a".into(), "b".into()]),
        packed: Some(vec![1, 2, 3]),
        flat: Some(PlaceOrderBodyFlat {
            color: Some("red".into()),
            size: Some("L".into()),
        }),
        metadata: Some(PlaceOrderBodyMetadata {
            source: Some("web".into()),
            ids: Some(vec![1, 2]),
        }),
        deep: Some(PlaceOrderBodyDeep {
            key: Some("k".into()),
        }),
    };
    client.place_order(&order).await.expect("the call succeeds");
    assert_eq!(
        form_of_only_request(&server).await,
        // codes: a list of scalars, repeated; deep: `deepObject`, the bracket form; flat:
        // `style: form` exploded, the members as pairs; lines: items by index from 0, a list
        // inside repeated; metadata: `contentType: application/json`; packed: `style: form`
        // not exploded; shipping: objects to any depth.
        "codes=a&codes=b&deep%5Bkey%5D=k&color=red&size=L&item=book\
         &lines%5B0%5D%5Boptions%5D=gift&lines%5B0%5D%5Boptions%5D=wrap\
         &lines%5B0%5D%5Bquantity%5D=2&lines%5B0%5D%5Bsku%5D=s1\
         &metadata=%7B%22ids%22%3A%5B1%2C2%5D%2C%22source%22%3A%22web%22%7D\
         &packed=1%2C2%2C3\
         &shipping%5Baddress%5D%5Bcity%5D=Town&shipping%5Baddress%5D%5Bstreet%5D=1+Main+St\
         &shipping%5Bexpress%5D=true"
    );
}

#[tokio::test]
async fn absent_members_are_left_out_and_a_flat_form_keeps_its_field_order() {
    let (server, client) = start().await;
    client
        .place_order(&PlaceOrderBody {
            item: Some("book".into()),
            shipping: Some(PlaceOrderBodyShipping {
                address: None,
                express: Some(false),
            }),
            lines: Some(Vec::new()),
            codes: None,
            packed: None,
            flat: None,
            metadata: None,
            deep: None,
        })
        .await
        .expect("the call succeeds");
    assert_eq!(
        form_of_only_request(&server).await,
        "item=book&shipping%5Bexpress%5D=false"
    );

    let (server, client) = start().await;
    client
        .log_in(&LogInBody {
            user: "ann lee".into(),
            remember: Some(true),
        })
        .await
        .expect("the call succeeds");
    assert_eq!(
        form_of_only_request(&server).await,
        "user=ann+lee&remember=true"
    );
}

#[tokio::test]
async fn a_map_of_objects_is_one_bracketed_name_per_key() {
    let (server, client) = start().await;
    let settings = BTreeMap::from([
        (
            "b".to_string(),
            Category {
                id: Some(2),
                name: None,
            },
        ),
        (
            "a".to_string(),
            Category {
                id: None,
                name: Some("x".into()),
            },
        ),
    ]);
    client
        .put_settings(Some(&settings))
        .await
        .expect("the call succeeds");
    assert_eq!(
        form_of_only_request(&server).await,
        "a%5Bname%5D=x&b%5Bid%5D=2"
    );
}

#[tokio::test]
async fn deep_object_on_a_scalar_and_a_list_is_the_value_under_its_own_name() {
    let (server, client) = start().await;
    let filter = SearchFilter {
        category: Some(Category {
            id: Some(1),
            name: Some("n".into()),
        }),
        tags: Some(vec!["t".into()]),
    };
    client
        .search(
            "a b",
            Some(&[1, 2]),
            Some(&["x".into(), "y".into()]),
            Some(&filter),
        )
        .await
        .expect("the call succeeds");
    let request = only_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some(
            "term=a+b&ids=1&ids=2&sort=x&sort=y\
             &filter%5Bcategory%5D%5Bid%5D=1&filter%5Bcategory%5D%5Bname%5D=n&filter%5Btags%5D=t"
        )
    );
}

/// The `name="..."` of every part of a multipart body, in order.
fn part_names(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    text.split("Content-Disposition: form-data; name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_lone_file_is_the_part_file_and_a_list_of_files_the_parts_files() {
    let (server, client) = start().await;
    client
        .upload_one(UploadOneForm {
            file: reqwest::multipart::Part::bytes(b"one".to_vec()).file_name("one.txt"),
        })
        .await
        .expect("the call succeeds");
    let request = only_request(&server).await;
    assert_eq!(part_names(&request.body), ["file"]);
    assert!(String::from_utf8_lossy(&request.body).contains("filename=\"one.txt\"\r\n\r\none\r\n"));

    let (server, client) = start().await;
    client
        .upload_many(UploadManyForm {
            files: vec![
                reqwest::multipart::Part::bytes(b"1".to_vec()),
                reqwest::multipart::Part::bytes(b"2".to_vec()),
            ],
        })
        .await
        .expect("the call succeeds");
    assert_eq!(
        part_names(&only_request(&server).await.body),
        ["files", "files"]
    );

    let (server, client) = start().await;
    client
        .upload_described(UploadDescribedForm {
            file: reqwest::multipart::Part::bytes(b"f".to_vec()),
            notes: Some("n".into()),
            attachments: Some(vec![reqwest::multipart::Part::bytes(b"a".to_vec())]),
        })
        .await
        .expect("the call succeeds");
    assert_eq!(
        part_names(&only_request(&server).await.body),
        ["file", "notes", "attachments"]
    );

    let (server, client) = start().await;
    client
        .upload_untyped(UploadUntypedForm {
            file: reqwest::multipart::Part::bytes(b"u".to_vec()),
        })
        .await
        .expect("the call succeeds");
    assert_eq!(part_names(&only_request(&server).await.body), ["file"]);
}
