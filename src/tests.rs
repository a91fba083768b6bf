//! Tests of the CLI definitions: the README synopsis against clap, defaults, exit statuses.

use super::*;
use clap::CommandFactory;

/// The README's synopsis: for each subcommand, every `--flag` its lines name (a line
/// starting `macroplace SUB` and the indented lines under it).
fn readme_synopsis() -> Vec<(String, Vec<String>)> {
    let readme = include_str!("../README.md");
    let start = readme
        .find("## The command-line tool")
        .expect("README has a command-line section");
    let block = &readme[start..];
    let open = block.find("```sh\n").expect("synopsis block") + 6;
    let close = open + block[open..].find("```").expect("synopsis block end");
    let flags_of = |text: &str| -> Vec<String> {
        text.match_indices("--")
            .map(|(i, _)| {
                text[i + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty())
            .collect()
    };
    // `<input> = ...` and `<cost> = ...` (with their continuation lines) define shorthands.
    let lines: Vec<&str> = block[open..close].lines().collect();
    let mut shorthand: Vec<(&str, Vec<String>)> = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        for key in ["<input>", "<cost>"] {
            if line.starts_with(key) && line.contains('=') {
                let mut f = flags_of(line);
                for cont in lines[k + 1..].iter().take_while(|l| l.starts_with(' ')) {
                    f.extend(flags_of(cont));
                }
                shorthand.push((key, f));
            }
        }
    }
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if line.starts_with('<') {
            out.push(("<shorthand>".into(), Vec::new()));
            continue;
        }
        if let Some(rest) = line.strip_prefix("macroplace ") {
            let sub = rest.split_whitespace().next().unwrap_or("").to_string();
            out.push((sub, Vec::new()));
        }
        let Some((_, flags)) = out.last_mut() else {
            continue;
        };
        flags.extend(flags_of(line));
        for (key, f) in &shorthand {
            if line.contains(key) {
                flags.extend(f.iter().cloned());
            }
        }
    }
    out.retain(|(s, _)| s != "<shorthand>");
    out
}

#[test]
fn readme_synopsis_lists_every_flag_clap_knows_and_no_other() {
    let synopsis = readme_synopsis();
    let cli = Cli::command();
    let mut subs = 0;
    for sub in cli.get_subcommands() {
        let name = sub.get_name().to_string();
        let Some((_, listed)) = synopsis.iter().find(|(s, _)| *s == name) else {
            panic!("README synopsis has no `macroplace {name}` line");
        };
        subs += 1;
        let known: Vec<String> = sub
            .get_arguments()
            .filter_map(|a| a.get_long().map(str::to_string))
            .filter(|l| l != "help" && l != "version")
            .collect();
        for flag in &known {
            assert!(
                listed.contains(flag),
                "README synopsis of `{name}` misses --{flag}"
            );
        }
        for flag in listed {
            assert!(
                known.contains(flag),
                "README synopsis of `{name}` lists --{flag}, which clap does not know"
            );
        }
    }
    assert_eq!(subs, synopsis.len(), "README lists a subcommand clap lacks");
}

#[test]
fn place_defaults_equal_what_clap_gives() {
    #[derive(clap::Parser)]
    struct P {
        #[command(flatten)]
        args: place::PlaceArgs,
    }
    let parsed = P::try_parse_from(["place", "--out", "x"]).unwrap().args;
    let expected = place::PlaceArgs {
        out: PathBuf::from("x"),
        ..place::PlaceArgs::default()
    };
    assert_eq!(parsed, expected);
}

#[test]
fn exit_status_is_2_for_bad_input_and_1_otherwise() {
    let input = anyhow::Error::new(InputError(netlists::Error::Invalid("x".into())));
    let arg = anyhow::Error::new(bad_arg("--grid: expected ..."));
    let io = anyhow::Error::new(std::io::Error::other("disk full")).context("writing out.plc");
    assert_eq!(exit_status(&input), 2);
    assert_eq!(exit_status(&arg.context("while placing")), 2);
    assert_eq!(exit_status(&io), 1);
}

#[test]
fn exactly_the_commands_that_use_the_policy_are_handed_to_the_policy_binary() {
    let needs = |line: &str| {
        let cli = Cli::try_parse_from(line.split_whitespace()).unwrap();
        policy_hook::needs_policy(&cli.command)
    };
    for line in [
        "macroplace train n.pb.txt --out o",
        "macroplace eval-policy n.pb.txt --policy p",
        "macroplace place n.pb.txt --method rl --policy p --out o",
        "macroplace place n.pb.txt --flow full --macros rl --policy p --out o",
        "macroplace compare n.pb.txt --methods sa,rl --policy p --out o",
        "macroplace compare n.pb.txt --methods rl --policy p --out o",
    ] {
        assert!(needs(line), "{line}");
    }
    for line in [
        "macroplace info n.pb.txt",
        "macroplace eval n.pb.txt",
        "macroplace place n.pb.txt --out o",
        "macroplace place n.pb.txt --method sa --flow full --macros sa --out o",
        "macroplace compare n.pb.txt --methods sa,ea,greedy,analytic --out o",
        "macroplace cluster n.pb.txt --out o",
        "macroplace generate --out o",
    ] {
        assert!(!needs(line), "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing the option values: no string makes a value parser or the cost options panic, and
// whatever is accepted is finite and in its documented range.

fn numberish() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let token = prop::sample::select(vec![
        "0",
        "-0",
        "1",
        "-1",
        "2.5",
        "1e300",
        "-1e300",
        "1e-300",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "100000",
        "4096",
        "1048577",
        "18446744073709551616",
        "0x10",
        "",
        " ",
        "1,",
        ",",
        "e",
        "3",
        "57.031",
        "0.5",
        "1e12",
        "1e13",
    ]);
    prop::collection::vec(token, 1..4).prop_map(|v| v.join(","))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 400, failure_persistence: None, ..Default::default() })]

    #[test]
    fn value_parsers_never_panic_and_accept_only_their_range(s in numberish()) {
        if let Ok(v) = values::seconds(&s) { assert!(v > 0.0 && v <= values::MAX_SECONDS); }
        if let Ok(v) = values::positive(&s) { assert!(v.is_finite() && v > 0.0); }
        if let Ok(v) = values::non_negative(&s) { assert!(v.is_finite() && v >= 0.0); }
        if let Ok(v) = values::fraction(&s) { assert!(v > 0.0 && v <= 1.0); }
        if let Ok(v) = values::probability(&s) { assert!((0.0..=1.0).contains(&v)); }
        if let Ok(v) = values::count::<64>(&s) { assert!((1..=64).contains(&v)); }
        let _ = values::steps(&s);
        let _ = parse_pair(&s);
        let _ = parse_triple(&s);
    }

    #[test]
    fn cost_options_never_panic_and_accept_only_sane_parameters(
        grid in numberish(), canvas in numberish(), routes in numberish(),
        macro_routes in numberish(), weights in numberish(),
    ) {
        let argv = [
            "macroplace", "eval", "x.pb.txt", "--grid", &grid, "--canvas", &canvas,
            "--routes", &routes, "--macro-routes", &macro_routes, "--weights", &weights,
        ];
        let Ok(Cli { command: Command::Eval { cost, .. } }) = Cli::try_parse_from(argv) else {
            return Ok(());
        };
        let fp = netlists::Floorplan::with_canvas(0.0, 0.0, 100.0, 100.0, netlists::CanvasSource::Plc);
        if let Ok(p) = cost.params(&fp) {
            assert!(p.canvas_width.is_finite() && p.canvas_width > 0.0);
            assert!(netlists::limits::check_grid(p.grid_cols as u64, p.grid_rows as u64).is_ok());
            assert!(p.h_routes_per_um > 0.0 && p.h_routes_per_um.is_finite());
            assert!(p.h_macro_alloc >= 0.0 && p.v_macro_alloc.is_finite());
            assert!(p.weights.wirelength >= 0.0 && p.weights.density.is_finite());
        }
    }
}
