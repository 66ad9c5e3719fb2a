//! `cargo xtask …`: Kasse's set-up, run, test and bench entry points (DESIGN.md §4.1).
//!
//! Every command first makes sure the machine has what the step needs: Debian/Ubuntu packages
//! through apt (with sudo when not root), and says plainly what it installs and why. Nothing here
//! is clever: it is the list of steps a person would type, written down once.

use std::process::ExitCode;

#[cfg(test)]
mod architecture;
mod bench;
mod bundle;
mod chaos;
mod setup;
mod steps;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run      install what is missing, build, and start Kasse (demo mode without credentials)
  test     install what is missing, then fmt, clippy and every test (end-to-end included),
           then the .deb built, installed, driven through a sale and removed
  ui       build the web UI only (ui/dist)
  bench    measure DESIGN.md §5's targets (release builds), rewrite BENCHMARKS.md; --quick: reduced set
  chaos    the long reliability suites: crash (200 sales, SIGKILLs) and faults (300 sales,
           a fifth of all answers failing); --crash-sales N, --fault-sales N, --only crash|faults
  bundle   build the release .deb (target/release/bundle/deb/); --install-check: then install it
           with apt, drive the installed app through a sale, and remove it
  setup    only install what is missing (system packages)
  help     this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match cmd {
        "run" => steps::run(rest),
        // Then the package a shop installs: built, installed, driven through a sale, removed.
        "test" => steps::test(rest)
            .and_then(|()| bundle::bundle())
            .and_then(|deb| bundle::install_check(&deb)),
        "ui" => steps::ui(),
        "bench" => bench::bench(rest),
        "bundle" => {
            bundle::bundle().and_then(|deb| match rest.iter().any(|a| a == "--install-check") {
                true => bundle::install_check(&deb),
                false => Ok(()),
            })
        }
        "chaos" => chaos::chaos(rest),
        "setup" => setup::ensure(setup::Purpose::Test),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("xtask: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
