//! Compile-time parts of hangar. Use them through `hangar`: `#[hangar::main]`, and the literal
//! macros `hangar::subnet!`, `security_group!`, `arn!`, `role_arn!`, `policy_arn!`, `image!`,
//! `discovery_url!`, `agent_name!`, `env_key!` and `header!`.
//!
//! The literal checks are the run-time rules themselves: `src/rules.rs` of `hangar` is compiled
//! into this crate too, so a literal passes `cargo check` exactly when `FromStr` would accept it.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Ident, ItemFn, LitStr, ReturnType};

#[path = "../../src/rules.rs"]
mod rules;

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
    let item2 = proc_macro2::TokenStream::from(item.clone());
    let Ok(f) = syn::parse::<ItemFn>(item) else {
        let error = syn::Error::new(
            item2.span(),
            "#[hangar::main] goes on a function that returns the App: `fn app() -> hangar::App`",
        );
        let error = error.into_compile_error();
        return quote!(#error #item2).into();
    };
    let result = if attr.is_empty() {
        main_impl(&f)
    } else {
        let attr = proc_macro2::TokenStream::from(attr);
        Err(syn::Error::new(attr.span(), "#[hangar::main] takes no arguments"))
    };
    match result {
        Ok(tokens) => tokens.into(),
        // Keep the function (unless it is the `main` we would generate) and put a stand-in
        // `main` beside it, so the error above is the only one.
        Err(e) => {
            let error = e.into_compile_error();
            let item = (f.sig.ident != "main").then_some(&f);
            quote!(#error #item fn main() {}).into()
        }
    }
}

/// The path of the `hangar` crate as the calling crate names it (it may be renamed).
fn hangar_path() -> proc_macro2::TokenStream {
    match proc_macro_crate::crate_name("hangar") {
        Ok(proc_macro_crate::FoundCrate::Name(name)) => {
            let ident = Ident::new(&name, Span::call_site());
            quote!(::#ident)
        }
        // `Itself`: an example, test or bench of hangar's own package, which sees it as `hangar`.
        Ok(proc_macro_crate::FoundCrate::Itself) | Err(_) => quote!(::hangar),
    }
}

fn main_impl(f: &ItemFn) -> syn::Result<proc_macro2::TokenStream> {
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
    if matches!(sig.output, ReturnType::Default) {
        return Err(syn::Error::new(sig.span(), "#[hangar::main] functions return the App: `fn app() -> App`"));
    }
    // A wrong return type fails the bound of `cli::main` ("expected `app` to return `App`").
    let hangar = hangar_path();
    let call = if sig.asyncness.is_some() {
        quote! { #hangar::cli::main_async(#name) }
    } else {
        quote! { #hangar::cli::main(#name) }
    };
    Ok(quote! {
        #f
        fn main() -> ::std::process::ExitCode {
            #call
        }
    })
}

/// Checks a string literal against `rule`: the literal itself when it passes, otherwise a
/// compile error on the literal that says what is allowed.
fn check_literal(input: TokenStream, kind: rules::LiteralKind) -> TokenStream {
    let lit = match syn::parse::<LitStr>(input) {
        Ok(lit) => lit,
        Err(e) => {
            return syn::Error::new(e.span(), format!("expected a string literal ({})", kind.describe()))
                .to_compile_error()
                .into();
        }
    };
    let value = lit.value();
    match kind.check(&value) {
        Ok(()) => quote!(#lit).into(),
        Err(allowed) => {
            syn::Error::new(lit.span(), format!("invalid {} {value:?}; allowed: {allowed}", kind.describe()))
                .to_compile_error()
                .into()
        }
    }
}

macro_rules! literal_macros {
    ($($(#[$meta:meta])* $name:ident => $kind:ident;)*) => {
        $(
            $(#[$meta])*
            #[doc(hidden)]
            #[proc_macro]
            pub fn $name(input: TokenStream) -> TokenStream {
                check_literal(input, rules::LiteralKind::$kind)
            }
        )*
    };
}

literal_macros! {
    /// Behind `hangar::subnet!`.
    check_subnet => Subnet;
    /// Behind `hangar::security_group!`.
    check_security_group => SecurityGroup;
    /// Behind `hangar::arn!`.
    check_arn => Arn;
    /// Behind `hangar::role_arn!`.
    check_role_arn => RoleArn;
    /// Behind `hangar::policy_arn!`.
    check_policy_arn => PolicyArn;
    /// Behind `hangar::image!`.
    check_image => Image;
    /// Behind `hangar::discovery_url!`.
    check_discovery_url => DiscoveryUrl;
    /// Behind `hangar::agent_name!`.
    check_agent_name => AgentName;
    /// Behind `hangar::env_key!`.
    check_env_key => EnvKey;
    /// Behind `hangar::header!`.
    check_header => Header;
}
