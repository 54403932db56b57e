//! Objects and lists of objects in the query (README, "What the generator reads").

use wire_objects::types::{Filter, ListTargetsFilterSpecTargetsItem};
use wire_objects::Client;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The query string of the one request the server received.
async fn query_of_only_request(server: &MockServer) -> String {
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests
        .first()
        .and_then(|r| r.url.query().map(str::to_string))
        .unwrap_or_default()
}

#[tokio::test]
async fn a_list_of_objects_is_sent_item_by_item_with_its_index() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tasks/targets"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("a client");
    let targets = [
        ListTargetsFilterSpecTargetsItem {
            r#type: "VirtualMachine".into(),
            id: "vm-42".into(),
        },
        ListTargetsFilterSpecTargetsItem {
            r#type: "HostSystem".into(),
            id: "host 7".into(),
        },
    ];
    let deep = [Filter {
        status: Some("RUNNING".into()),
        limit: None,
        tags: Some(vec!["a".into(), "b".into()]),
    }];
    client
        .list_targets(Some(&targets), Some(&deep))
        .await
        .expect("the call succeeds");
    assert_eq!(
        query_of_only_request(&server).await,
        "filter_spec.targets.1.id=vm-42&filter_spec.targets.1.type=VirtualMachine\
         &filter_spec.targets.2.id=host+7&filter_spec.targets.2.type=HostSystem\
         &deep%5B0%5D%5Bstatus%5D=RUNNING&deep%5B0%5D%5Btags%5D=a&deep%5B0%5D%5Btags%5D=b"
    );
}

#[tokio::test]
async fn an_object_in_a_header_is_written_in_the_simple_style() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tasks/headers"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("a client");
    let filter = Filter {
        status: Some("RUNNING".into()),
        limit: Some(5),
        tags: Some(vec!["a".into(), "b".into()]),
    };
    let exploded = Filter {
        status: None,
        limit: Some(2),
        tags: None,
    };
    client
        .list_with_headers(&filter, Some(&exploded))
        .await
        .expect("the call succeeds");
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    let header = |name: &str| {
        requests
            .first()
            .and_then(|r| r.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // Members in name order (README, "Form bodies and the bracket form"); a list's items
    // comma-separated.
    assert_eq!(
        header("x-filter").as_deref(),
        Some("limit,5,status,RUNNING,tags,a,b")
    );
    // Absent members are left out.
    assert_eq!(header("x-exploded").as_deref(), Some("limit=2"));
}
