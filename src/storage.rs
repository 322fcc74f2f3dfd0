//! The page's own storage for checkpoints: one IndexedDB object store of
//! text records (a checkpoint's manifest and its chunks, see
//! `checkpoint`). IndexedDB's callback requests are wrapped as futures;
//! every failure is a [`StorageError`], never a panic (private browsing,
//! a full disk, a blocked upgrade).

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

const DB: &str = "sparklet";
const STORE: &str = "checkpoints";

/// Why IndexedDB did not do what was asked.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StorageError {
    #[error("IndexedDB is not available in this page")]
    Unavailable,
    #[error("IndexedDB refused to open")]
    OpenRefused,
    #[error("IndexedDB: not a database")]
    NotADatabase,
    #[error("IndexedDB: no transaction")]
    NoTransaction,
    #[error("IndexedDB: no store")]
    NoStore,
    #[error("IndexedDB: bad key range")]
    BadRange,
    /// The store refused a request (`put`, `get`, ...) outright.
    #[error("IndexedDB: {0} refused")]
    Refused(&'static str),
    /// A request that failed, with the browser's reason.
    #[error("IndexedDB: {0}")]
    Failed(String),
}

/// The store, in a transaction of `mode`.
fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<IdbObjectStore, StorageError> {
    db.transaction_with_str_and_mode(STORE, mode)
        .map_err(|_| StorageError::NoTransaction)?
        .object_store(STORE)
        .map_err(|_| StorageError::NoStore)
}

/// Waits for an IndexedDB request; its result, or why it failed.
async fn done(request: &IdbRequest) -> Result<JsValue, StorageError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |ev: web_sys::Event| {
            let result = ev
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok());
            let _ = resolve.call1(&JsValue::NULL, &result.unwrap_or(JsValue::UNDEFINED));
        });
        let fail = Closure::once_into_js(move |ev: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &ev);
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(fail.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|_| {
        let why = request
            .error()
            .ok()
            .flatten()
            .map(|e| e.message())
            .unwrap_or_default();
        StorageError::Failed(why)
    })
}

/// Opens (creating on first use) the checkpoint store.
pub async fn open() -> Result<IdbDatabase, StorageError> {
    let factory = crate::global::indexed_db().ok_or(StorageError::Unavailable)?;
    let request = factory
        .open_with_u32(DB, 1)
        .map_err(|_| StorageError::OpenRefused)?;
    let upgrade = Closure::once_into_js(move |ev: web_sys::Event| {
        let db = ev
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    done(&request)
        .await?
        .dyn_into::<IdbDatabase>()
        .map_err(|_| StorageError::NotADatabase)
}

pub async fn put(db: &IdbDatabase, key: &str, value: &JsValue) -> Result<(), StorageError> {
    let store = store(db, IdbTransactionMode::Readwrite)?;
    let request = store
        .put_with_key(value, &key.into())
        .map_err(|_| StorageError::Refused("put"))?;
    done(&request).await.map(drop)
}

/// Puts every `(key, value)` in one transaction, all issued at once: it
/// commits whole or not at all, and is under way before this returns to
/// the event loop (a page that is going away).
pub async fn put_all(db: &IdbDatabase, records: &[(String, JsValue)]) -> Result<(), StorageError> {
    let store = store(db, IdbTransactionMode::Readwrite)?;
    let mut last = None;
    for (key, value) in records {
        let request = store
            .put_with_key(value, &key.into())
            .map_err(|_| StorageError::Refused("put"))?;
        last = Some(request);
    }
    match last {
        Some(request) => done(&request).await.map(drop),
        None => Ok(()),
    }
}

/// The value stored under `key` (undefined when there is none).
pub async fn get(db: &IdbDatabase, key: &str) -> Result<JsValue, StorageError> {
    let store = store(db, IdbTransactionMode::Readonly)?;
    let request = store
        .get(&key.into())
        .map_err(|_| StorageError::Refused("get"))?;
    done(&request).await
}

/// The keys from `from` up to `to`, in order.
pub async fn keys_between(
    db: &IdbDatabase,
    from: &str,
    to: &str,
) -> Result<Vec<String>, StorageError> {
    let store = store(db, IdbTransactionMode::Readonly)?;
    let range = web_sys::IdbKeyRange::bound(&from.into(), &to.into())
        .map_err(|_| StorageError::BadRange)?;
    let request = store
        .get_all_keys_with_key(&range)
        .map_err(|_| StorageError::Refused("getAllKeys"))?;
    let keys = done(&request).await?;
    Ok(js_sys::Array::from(&keys)
        .iter()
        .filter_map(|k| k.as_string())
        .collect())
}

pub async fn delete(db: &IdbDatabase, key: &str) -> Result<(), StorageError> {
    let store = store(db, IdbTransactionMode::Readwrite)?;
    let request = store
        .delete(&key.into())
        .map_err(|_| StorageError::Refused("delete"))?;
    done(&request).await.map(drop)
}
