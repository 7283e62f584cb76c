//! `vitrina:plugin@0.2.0`: 0.1.0 and, of its own, streams whose fields
//! come from the source (`sink.declare`) and the host's Bulgarian
//! normalization (`normalize`), the same code the Rust SDK links.

wasmtime::component::bindgen!({
    path: "../wit/v0.2.0",
    world: "collector",
    imports: {
        "vitrina:plugin/fetch": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    with: {
        "vitrina:plugin/fetch.body": crate::runtime::fetch::Body,
    },
});

use super::ContractVersion;

const VERSION: ContractVersion = ContractVersion::V0_2_0;

super::shared_imports!();

use self::vitrina::plugin::{normalize, sink};

impl sink::Host for RunState {
    fn declare(
        &mut self,
        schema: types::StreamSchema,
    ) -> wasmtime::Result<Result<(), sink::SinkError>> {
        Ok(sink_error(self.sink_declare(stream_schema(schema))?))
    }

    fn write(
        &mut self,
        stream: String,
        batch: Vec<types::Row>,
    ) -> wasmtime::Result<Result<(), sink::SinkError>> {
        Ok(sink_error(self.sink_write(&stream, rows(batch))?))
    }

    fn checkpoint(
        &mut self,
        stream: String,
        state: String,
    ) -> wasmtime::Result<Result<(), sink::SinkError>> {
        Ok(sink_error(self.sink_checkpoint(stream, state)?))
    }

    fn progress(&mut self, done: u64, total: Option<u64>) -> wasmtime::Result<()> {
        self.sink_progress(done, total)
    }
}

impl normalize::Host for RunState {
    fn clean_text(&mut self, text: String) -> wasmtime::Result<String> {
        self.normalize_call(&text)?;
        Ok(vitrina_normalize::text::clean(&text))
    }

    fn machine_name(&mut self, title: String) -> wasmtime::Result<String> {
        self.normalize_call(&title)?;
        Ok(vitrina_normalize::text::machine_name(&title))
    }

    fn parse_number(&mut self, text: String) -> wasmtime::Result<Result<Option<String>, String>> {
        self.normalize_call(&text)?;
        Ok(vitrina_normalize::number::parse_number(&text)
            // The scale the source wrote (`1 234,50` is `1234.50`), as the
            // Rust SDK's own call of the same function gives it.
            .map(|n| n.map(|n| n.to_string()))
            .map_err(|e| e.to_string()))
    }

    fn parse_date(&mut self, text: String) -> wasmtime::Result<Result<String, String>> {
        self.normalize_call(&text)?;
        Ok(vitrina_normalize::date::parse_date(&text)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .map_err(|e| e.to_string()))
    }

    fn bgn_to_eur(&mut self, amount: String) -> wasmtime::Result<Result<String, String>> {
        self.normalize_call(&amount)?;
        Ok(amount
            .trim()
            .parse::<vitrina_normalize::Decimal>()
            .map(|bgn| vitrina_normalize::money::bgn_to_eur(bgn).to_string())
            .map_err(|_| format!("not a decimal number: {amount:?}")))
    }

    fn currency_on(&mut self, date: String) -> wasmtime::Result<Result<String, String>> {
        self.normalize_call(&date)?;
        Ok(chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map(|d| vitrina_normalize::money::currency_on(d).code().to_string())
            .map_err(|_| format!("not a YYYY-MM-DD date: {date:?}")))
    }

    fn is_valid_eik(&mut self, text: String) -> wasmtime::Result<bool> {
        self.normalize_call(&text)?;
        Ok(vitrina_normalize::eik::is_valid_eik(&text))
    }

    fn decode(
        &mut self,
        bytes: Vec<u8>,
        label: Option<String>,
    ) -> wasmtime::Result<normalize::Decoded> {
        self.normalize_call_bytes(bytes.len())?;
        let decoded = vitrina_normalize::encoding::decode_with_label(&bytes, label.as_deref());
        Ok(normalize::Decoded {
            encoding: decoded.encoding.name().to_string(),
            text: decoded.text.into_owned(),
        })
    }
}
