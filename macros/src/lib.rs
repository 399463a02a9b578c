//! Compile-time parts of hangar; use them through `hangar` (`#[hangar::main]`).

use proc_macro::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

/// Turns `fn app() -> App` (or `async fn app() -> App`) into the infra binary's `main`: it
/// parses the command line, builds the App and runs the command (`synth`, ...), on a tokio
/// runtime when `app` is async.
///
/// ```text
/// #[hangar::main]
/// fn app() -> hangar::App {
///     hangar::App::new("my-service")
/// }
/// ```
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let attr = proc_macro2::TokenStream::from(attr);
        return syn::Error::new(attr.span(), "#[hangar::main] takes no arguments").to_compile_error().into();
    }
    let item2 = proc_macro2::TokenStream::from(item.clone());
    let Ok(f) = syn::parse::<ItemFn>(item) else {
        return syn::Error::new(
            item2.span(),
            "#[hangar::main] goes on a function that returns the App: `fn app() -> hangar::App`",
        )
        .to_compile_error()
        .into();
    };
    main_impl(f).unwrap_or_else(syn::Error::into_compile_error).into()
}

fn main_impl(f: ItemFn) -> syn::Result<proc_macro2::TokenStream> {
    let sig = &f.sig;
    let name = &sig.ident;
    if name == "main" {
        return Err(syn::Error::new(
            name.span(),
            "#[hangar::main] generates `main` itself: name this function something else, e.g. `fn app() -> App`",
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            "#[hangar::main] functions take no arguments: `fn app() -> App`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "#[hangar::main] functions cannot be generic: `fn app() -> App`",
        ));
    }
    let ReturnType::Type(_, ret) = &sig.output else {
        return Err(syn::Error::new(sig.span(), "#[hangar::main] functions return the App: `fn app() -> App`"));
    };
    // Checks the return type with an error that points at it.
    let check = quote_spanned! {ret.span()=>
        const _: fn(#ret) = |_: ::hangar::App| {};
    };
    let call = if sig.asyncness.is_some() {
        quote! { ::hangar::cli::main_async(#name) }
    } else {
        quote! { ::hangar::cli::main(#name) }
    };
    Ok(quote! {
        #f
        #check
        fn main() -> ::std::process::ExitCode {
            #call
        }
    })
}
