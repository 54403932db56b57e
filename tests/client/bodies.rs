//! The body kinds the vCenter spec does not have, at run time: `bodies-client`
//! (`tests/bodies-client`, generated from `codegen/tests/fixtures/compile/bodies.yaml`) against
//! wiremock on 127.0.0.1. Text in and out, bytes in and out (read in chunks, and whole only up
//! to the client's limit), several success bodies, and error enums.

use bodies_client::types::{
    BasicError, Job, Thing, ThingCreateError, ThingCreateResponse, ThingExportResponse,
    ValidationError,
};
use bodies_client::{ByteStreamError, Client, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_bytes, body_string, header, headers, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::new(&server.uri()).expect("the mock server's URL is a valid base URL")
}

fn thing() -> Thing {
    Thing {
        id: "t-1".to_string(),
        name: Some("first".to_string()),
    }
}

#[tokio::test]
async fn a_text_body_is_asked_for_and_decoded_as_a_string() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/notes/groceries"))
        .and(header("accept", "text/plain; charset=utf-8"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/plain; charset=utf-8")
                .set_body_string("milk\neggs ü\n"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let note = client(&server).note_get("groceries").await;

    assert_eq!(note.ok().as_deref(), Some("milk\neggs ü\n"));
}

#[tokio::test]
async fn a_text_body_that_is_not_utf8_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/notes/bad"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a', 0xff, b'b']))
        .mount(&server)
        .await;

    let err = client(&server).note_get("bad").await.err();

    assert!(
        matches!(
            err.as_ref().map(|e| e.kind()),
            Some(ErrorKind::Decode { status: 200, .. })
        ),
        "expected a decode error, got {err:?}"
    );
}

#[tokio::test]
async fn a_text_request_body_is_sent_with_its_media_type() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/notes/todo/raw"))
        .and(header("content-type", "text/plain"))
        .and(body_string("call mum"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let stored = client(&server).note_put_raw("todo", "call mum").await;

    assert!(stored.is_ok(), "{stored:?}");
}

#[tokio::test]
async fn a_byte_body_is_read_in_chunks_past_the_limit_and_whole_only_within_it() {
    let server = MockServer::start().await;
    let file: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/files/big.bin"))
        .and(header("accept", "application/octet-stream"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/octet-stream")
                .set_body_bytes(file.clone()),
        )
        .mount(&server)
        .await;
    // A limit far below the file's size: chunks still read it all, `bytes()` refuses it.
    let client = Client::builder(&server.uri())
        .max_response_body(1024)
        .build()
        .expect("the mock server's URL is a valid base URL");

    let mut stream = match client.file_download("big.bin").await {
        Ok(stream) => stream,
        Err(err) => panic!("the download failed: {err}"),
    };
    assert_eq!(stream.content_type(), Some("application/octet-stream"));
    let mut read = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.chunk().await.expect("the body arrives") {
        assert!(!chunk.is_empty());
        chunks += 1;
        read.extend_from_slice(&chunk);
    }
    assert_eq!(read, file, "the chunks ({chunks}) make up the whole file");

    let whole = client
        .file_download("big.bin")
        .await
        .expect("the download starts")
        .bytes()
        .await;
    assert!(
        matches!(whole, Err(ByteStreamError::TooLarge { limit: 1024 })),
        "expected the limit to stop `bytes()`, got {:?}",
        whole.map(|b| b.len())
    );
}

#[tokio::test]
async fn a_byte_body_within_the_limit_is_read_whole() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/assets"))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(vec![1u8, 2, 3]))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(b"\x89PNG".to_vec()),
        )
        .expect(1)
        .mount(&server)
        .await;

    let thumbnail = client(&server).asset_upload(Some(vec![1u8, 2, 3])).await;
    let thumbnail = thumbnail.expect("the upload succeeds");
    assert_eq!(thumbnail.status(), 200);
    assert_eq!(thumbnail.content_type(), Some("image/png"));
    assert_eq!(thumbnail.bytes().await.ok(), Some(b"\x89PNG".to_vec()));
}

#[tokio::test]
async fn a_byte_request_body_is_sent_as_it_is() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/files/a.bin"))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(b"\x00\x01binary".to_vec()))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "a.bin"})))
        .expect(1)
        .mount(&server)
        .await;

    let stored = client(&server)
        .file_upload("a.bin", b"\x00\x01binary".to_vec())
        .await;

    assert_eq!(
        stored.ok(),
        Some(Thing {
            id: "a.bin".to_string(),
            name: None
        })
    );
}

#[tokio::test]
async fn each_success_status_is_its_own_variant() {
    let cases = [
        (200, Some(json!({"id": "t-1", "name": "first"}))),
        (201, Some(json!({"id": "t-1", "name": "first"}))),
        (202, Some(json!({"job": 7}))),
        (204, None),
    ];
    for (status, body) in cases {
        let server = MockServer::start().await;
        let mut answer = ResponseTemplate::new(status);
        if let Some(body) = body {
            answer = answer.set_body_json(body);
        }
        Mock::given(method("POST"))
            .and(path("/things"))
            .respond_with(answer)
            .mount(&server)
            .await;

        let created = client(&server).thing_create(&thing()).await;

        let expected = match status {
            200 => ThingCreateResponse::Ok(thing()),
            201 => ThingCreateResponse::Created(thing()),
            202 => ThingCreateResponse::Accepted(Job { job: 7 }),
            _ => ThingCreateResponse::NoContent,
        };
        assert_eq!(created.ok(), Some(expected), "HTTP {status}");
    }
}

#[tokio::test]
async fn success_variants_read_json_text_and_bytes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/t-1/export"))
        .and(headers(
            "accept",
            vec!["application/json", "text/plain", "application/pdf"],
        ))
        .respond_with(ResponseTemplate::new(206).set_body_bytes(b"%PDF-1.7".to_vec()))
        .mount(&server)
        .await;

    match client(&server).thing_export("t-1").await {
        Ok(ThingExportResponse::PartialContent(pdf)) => {
            assert_eq!(pdf.bytes().await.ok(), Some(b"%PDF-1.7".to_vec()));
        }
        other => panic!("expected the PDF rendering, got {other:?}"),
    }

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/t-1/export"))
        .respond_with(ResponseTemplate::new(203).set_body_string("t-1: first"))
        .mount(&server)
        .await;
    match client(&server).thing_export("t-1").await {
        Ok(ThingExportResponse::NonAuthoritativeInformation(text)) => {
            assert_eq!(text, "t-1: first")
        }
        other => panic!("expected the text summary, got {other:?}"),
    }
}

#[tokio::test]
async fn each_error_status_decodes_into_its_variant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "invalid",
            "errors": ["id is empty"]
        })))
        .mount(&server)
        .await;

    match client(&server)
        .thing_create(&thing())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Api {
            status: 422,
            body: ThingCreateError::UnprocessableEntity(body),
            ..
        }) => assert_eq!(
            body,
            ValidationError {
                message: "invalid".to_string(),
                errors: vec!["id is empty".to_string()],
            }
        ),
        other => panic!("expected the 422 variant, got {other:?}"),
    }

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "gone"})))
        .mount(&server)
        .await;
    match client(&server)
        .thing_create(&thing())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Api {
            status: 404,
            body: ThingCreateError::NotFound(body),
            ..
        }) => assert_eq!(
            body,
            BasicError {
                message: "gone".to_string()
            }
        ),
        other => panic!("expected the 404 variant, got {other:?}"),
    }
}

#[tokio::test]
async fn a_text_error_body_is_kept_and_summarised_by_its_first_line() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string("\nthe database is down\nretry later"),
        )
        .mount(&server)
        .await;

    let err = match client(&server).thing_create(&thing()).await {
        Err(err) => err,
        Ok(created) => panic!("expected an error, got {created:?}"),
    };

    assert!(
        matches!(
            err.kind(),
            ErrorKind::Api { status: 503, body: ThingCreateError::ServerError(text), .. }
                if text == "\nthe database is down\nretry later"
        ),
        "{err:?}"
    );
    assert_eq!(err.kind().to_string(), "HTTP 503: the database is down");
}

#[tokio::test]
async fn a_default_only_response_is_the_success_body_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device"))
        .and(body_string("client_id=cli"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"user_code\":\"ABCD\"}"))
        .mount(&server)
        .await;

    let body = bodies_client::types::DeviceStartBody {
        client_id: "cli".to_string(),
    };
    let answer = client(&server)
        .device_start(&body)
        .await
        .expect("a 2XX is the success");
    assert_eq!(
        answer.bytes().await.ok(),
        Some(b"{\"user_code\":\"ABCD\"}".to_vec())
    );
}

#[tokio::test]
async fn a_body_with_several_media_types_is_json_first_and_text_in_a_second_method() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/notes/n"))
        .and(header("content-type", "application/json"))
        .and(body_string(r#"{"id":"t-1","name":"first"}"#))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/notes/n"))
        .and(header("content-type", "text/plain"))
        .and(body_string("plain words"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let as_json = client.note_put("n", &thing()).await;
    let as_text = client.note_put_text("n", "plain words").await;

    assert!(as_json.is_ok(), "{as_json:?}");
    assert!(as_text.is_ok(), "{as_text:?}");
}

#[tokio::test]
async fn a_multipart_form_sends_its_files_and_values_as_parts() {
    use bodies_client::types::{Kind, UploadCreateMultipartForm};
    use reqwest::multipart::Part;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/uploads"))
        .and(|request: &wiremock::Request| {
            let content_type = request
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let body = String::from_utf8_lossy(&request.body);
            let has = |text: &str| body.contains(text);
            content_type.starts_with("multipart/form-data; boundary=")
                && has("name=\"file\"; filename=\"a.txt\"")
                && has("file contents")
                && has("name=\"attachments\"; filename=\"b.bin\"")
                && has("name=\"title\"\r\n\r\nHoliday")
                && has("name=\"pages\"\r\n\r\n3")
                && has("name=\"kind\"\r\n\r\nscan")
                && !has("name=\"meta\"")
        })
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "u-1"})))
        .expect(1)
        .mount(&server)
        .await;

    let form = UploadCreateMultipartForm {
        file: Part::bytes(b"file contents".to_vec()).file_name("a.txt"),
        attachments: Some(vec![Part::bytes(vec![0u8, 1]).file_name("b.bin")]),
        title: "Holiday".to_string(),
        pages: Some(3),
        kind: Some(Kind::Scan),
        meta: None,
    };
    let stored = client(&server).upload_create_multipart(form).await;

    assert_eq!(stored.ok().map(|thing| thing.id), Some("u-1".to_string()));
}
