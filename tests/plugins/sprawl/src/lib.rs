//! A plugin that describes itself as enormous: 200 streams of 5,000 fields
//! each, with long descriptions. Checking such a description one field at
//! a time, or validating rows against it, would cost the host dearly; the
//! host must refuse it at load, quickly and with a clear reason.

use vitrina_sdk::prelude::*;

struct Sprawl;

impl Plugin for Sprawl {
    fn describe() -> PluginInfo {
        let long = "d".repeat(10_000);
        let mut info = PluginInfo::new("sprawl", env!("CARGO_PKG_VERSION"), &long);
        for s in 0..200 {
            let mut stream = StreamSchema::new(&format!("stream_{s}"), &long);
            for f in 0..5_000 {
                let field = Field::text(&format!("field_{f}"), "A field.");
                stream = stream.field(if f == 0 { field.key() } else { field });
            }
            info = info.stream(stream);
        }
        info
    }

    fn collect(_run: &mut Run) -> Result<(), Error> {
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Sprawl);
