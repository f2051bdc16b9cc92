//! The error answers every operation can give, added to the OpenAPI document in one place so that
//! the document lists every status the API can answer (each in the error envelope).

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::Modify;

/// Adds the common error answers to every operation that does not describe them itself:
/// 401 and 403 where a sign-in is needed, 404 where the path names a record, 422 where the
/// request carries parameters or a body, and 503 everywhere (the database cannot be reached).
pub(crate) struct CommonResponses;

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    ResponseBuilder::new().description(description).content("application/json", content).build().into()
}

fn complete(op: &mut Operation, path: &str) {
    let secured = op.security.as_ref().is_none_or(|reqs| reqs.iter().any(|r| r != &Default::default()));
    let has_input = op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut add = |status: &str, description: &str| {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(description));
    };
    if secured {
        add("401", "Not signed in, or the session or token is no longer valid");
        add("403", "Signed in, but this needs a role or token scope the caller lacks");
    }
    if path.contains('{') {
        add("404", "No such record, or the caller may not see it");
    }
    if has_input {
        add("422", "The input was refused; `fields` names each field at fault");
    }
    add("503", "The database cannot be reached; try again later");
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                complete(op, path);
            }
        }
    }
}
