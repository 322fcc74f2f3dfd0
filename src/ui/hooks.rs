//! Hooks in the manner of leptos-use, written out (two small functions do
//! not warrant the crate): each ties something the browser holds on our
//! behalf (an event listener, the JS API's functions) to the reactive
//! owner that asked for it, and gives it back when that owner is cleaned
//! up: a view unmounted, or the whole app.

use leptos::prelude::on_cleanup;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

/// Keeps `value` until the current owner is cleaned up, then drops it, and
/// its `Drop` gives back what it holds. Call it from a component: with no
/// owner there is nothing to outlive, and `value` is dropped at once.
pub fn keep_until_cleanup<T: 'static>(value: T) {
    // Cleanups must be `Send`; the page has one thread, and drops it there.
    let value = SendWrapper::new(value);
    on_cleanup(move || drop(value));
}

/// Calls `handler` on every `event` at `target` while the calling owner
/// lives; the listener is removed when the owner is cleaned up.
pub fn use_event_listener(
    target: &EventTarget,
    event: &'static str,
    handler: impl Fn(Event) + 'static,
) {
    keep_until_cleanup(EventListener::new(target, event, handler));
}

/// A listener on a DOM target that removes itself when dropped, before its
/// closure is freed, so no late event calls into freed memory.
pub struct EventListener {
    target: EventTarget,
    event: &'static str,
    callback: Closure<dyn Fn(Event)>,
}

impl EventListener {
    pub fn new(
        target: &EventTarget,
        event: &'static str,
        handler: impl Fn(Event) + 'static,
    ) -> EventListener {
        let callback = Closure::<dyn Fn(Event)>::new(handler);
        let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        EventListener {
            target: target.clone(),
            event,
            callback,
        }
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(
            self.event,
            self.callback.as_ref().unchecked_ref(),
        );
    }
}
