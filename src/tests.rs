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
