//! `vitrina:plugin@0.1.0`, the first contract: every import is one both
//! versions share.

wasmtime::component::bindgen!({
    path: "../wit/v0.1.0",
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

const VERSION: ContractVersion = ContractVersion::V0_1_0;

super::shared_imports!();

use self::vitrina::plugin::sink;

impl sink::Host for RunState {
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
