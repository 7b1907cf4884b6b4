//! The browser entry point. Pages are rendered on the server; the islands in them (the
//! `#[island]` components of `app`) hydrate, each on its own, once the wasm has loaded.

// Leptos view types nest deeply; computing their layout needs more than the default depth.
#![recursion_limit = "256"]

// The islands' hydration functions are exports of `app`: linking it keeps them in the wasm.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
