//! The one place `object_store`'s errors become [`StoreError`]s: a missing object is
//! [`StoreError::NotFound`]; anything else the client reports (the network, a server error left after
//! the retries, a refused signature or permission) is [`StoreError::Unavailable`], which the API
//! answers with 503 and logs with its cause.

use sportello_documents::store::StoreError;

/// `error` as the store's error, keeping it as the cause.
pub(crate) fn from_s3(error: object_store::Error) -> StoreError {
    match error {
        object_store::Error::NotFound { .. } => StoreError::NotFound,
        other => StoreError::Unavailable(Box::new(other)),
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_missing_object_is_not_found_and_other_failures_are_unavailable_with_their_cause() {
        let missing = object_store::Error::NotFound { path: "k".into(), source: "404".into() };
        assert!(matches!(from_s3(missing), StoreError::NotFound));
        let failed = object_store::Error::Generic { store: "S3", source: "connection reset".into() };
        let error = from_s3(failed);
        assert!(matches!(error, StoreError::Unavailable(_)));
        assert!(error.source().unwrap().to_string().contains("connection reset"));
    }
}
