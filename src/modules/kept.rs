//! A value kept with what it was made from: module caches are built of it.

use std::sync::{Arc, RwLock};

/// A value a module keeps for a town, with what it was made from (a time, a version): the
/// building block of module caches.
pub struct Kept<K, T>(Arc<RwLock<Slot<K, T>>>);

type Slot<K, T> = Option<(K, Arc<T>)>;

impl<K, T> Default for Kept<K, T> {
    fn default() -> Self {
        Kept(Arc::default())
    }
}

impl<K, T> Clone for Kept<K, T> {
    fn clone(&self) -> Self {
        Kept(self.0.clone())
    }
}

impl<K, T> Kept<K, T> {
    /// The kept value, if `fresh` says its key still holds.
    pub fn get(&self, fresh: impl FnOnce(&K) -> bool) -> Option<Arc<T>> {
        match self.0.read().expect("cache lock").as_ref() {
            Some((k, v)) if fresh(k) => Some(v.clone()),
            _ => None,
        }
    }

    pub fn put(&self, key: K, value: Arc<T>) {
        *self.0.write().expect("cache lock") = Some((key, value));
    }

    pub fn clear(&self) {
        *self.0.write().expect("cache lock") = None;
    }
}
