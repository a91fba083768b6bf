//! `macroplace cluster`: a flat netlist → a clustered Circuit Training design
//! ([`placer::cluster`]): `netlist.pb.txt` (hard macros and ports as they were, one soft macro
//! per cluster), `initial.plc` (canvas, grid, routing parameters, positions) and
//! `clusters.json` (every cell's cluster). Everything is computed before the first file is
//! written; each file is written atomically.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use placer::cluster::{ClusterOptions, ClusterStats, Clustering, build::Clustered};
use serde::Serialize;

use crate::{CostArgs, Input, read_scored};

/// Partitions asked when `--clusters` is not given (capped at the cell count).
pub const DEFAULT_CLUSTERS: usize = 500;

/// Options of `cluster` (and of the clustering inside `place --flow full`).
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct ClusterArgs {
    /// Partitions asked of the partitioner (METIS k-way, balanced by area) before break-up
    /// (default: 500, the TILOS flow's, or one per movable std cell when there are fewer).
    #[arg(long)]
    pub clusters: Option<usize>,
    /// Break up a cluster whose cells span more than this many grid cells in x or y (by the
    /// input placement; 0 = never).
    #[arg(value_parser = crate::values::non_negative, long, default_value_t = 2.0)]
    pub breakup: f64,
    /// Std-cell utilization a soft macro stands for: its area is its cells' area divided by
    /// this (default 1: the sum of its cells' areas; Circuit Training's own clustered
    /// ariane133 uses 0.5).
    #[arg(value_parser = crate::values::fraction, long, default_value_t = 1.0)]
    pub cell_utilization: f64,
}

impl Default for ClusterArgs {
    fn default() -> Self {
        ClusterArgs {
            clusters: None,
            breakup: 2.0,
            cell_utilization: 1.0,
        }
    }
}

impl ClusterArgs {
    /// The library options for `seed`, on a design with `cells` movable std cells.
    pub fn options(&self, seed: u64, cells: usize) -> Result<ClusterOptions> {
        crate::ensure_arg(
            self.breakup.is_finite() && self.breakup >= 0.0,
            format!(
                "--breakup: expected a non-negative number of grid cells, found {}",
                self.breakup
            ),
        )?;
        Ok(ClusterOptions {
            clusters: self.clusters.unwrap_or(DEFAULT_CLUSTERS.min(cells)),
            seed,
            breakup: (self.breakup > 0.0).then_some(self.breakup),
            cell_utilization: self.cell_utilization,
            ..ClusterOptions::default()
        })
    }
}

/// Clusters `design` (read from `source`) and builds the clustered design. Clustering errors
/// are bad input (exit 2).
pub fn cluster_design(
    source: &Path,
    design: &netlists::Design,
    params: &placer::cost::CostParams,
    args: &ClusterArgs,
    seed: u64,
) -> Result<(Clustering, Clustered)> {
    let cells = (0..design.netlist.num_nodes())
        .filter(|&n| placer::cluster::is_clusterable(&design.netlist, n))
        .count();
    let opts = args.options(seed, cells)?;
    let informative = placer::cluster::placement_is_informative(&design.netlist, &design.placement);
    let c = placer::cluster::cluster(
        &design.netlist,
        informative.then_some(&design.placement),
        params,
        &opts,
    )
    .map_err(|e| match e {
        placer::cluster::ClusterError::Metis(_) | placer::cluster::ClusterError::Build(_) => {
            anyhow::Error::new(e)
        }
        placer::cluster::ClusterError::NoStdCells => {
            anyhow::Error::new(crate::bad_arg(format!("{}: {e}", source.display())))
        }
        other => anyhow::Error::new(crate::bad_arg(other.to_string())),
    })?;
    let clustered =
        placer::cluster::build::clustered_design(&design.netlist, &design.placement, &c, params)
            .context("building the clustered netlist")?;
    Ok((c, clustered))
}

/// `clusters.json`.
#[derive(Serialize)]
struct ClustersJson<'a> {
    design: &'a str,
    netlist: String,
    seed: u64,
    options: ClusterOptions,
    stats: &'a ClusterStats,
    /// Whether the input placement drove the break-up.
    placement_used: bool,
    clusters: Vec<ClusterEntry<'a>>,
}

#[derive(Serialize)]
struct ClusterEntry<'a> {
    name: &'a str,
    area: f64,
    x: f64,
    y: f64,
    cells: Vec<&'a str>,
}

/// Runs `cluster`.
pub fn run(
    input: &Input,
    cost: &CostArgs,
    args: &ClusterArgs,
    seed: u64,
    out: &Path,
) -> Result<()> {
    let (d, _) = read_scored(input, cost)?;
    let params = cost.params_clustering(&d.netlist)?;
    let set = crate::outset::OutputSet::begin(out, "cluster")?;
    let shown = out;
    let out = set.dir();
    let (c, clustered) = cluster_design(&input.netlist, &d, &params, args, seed)?;
    let informative = placer::cluster::placement_is_informative(&d.netlist, &d.placement);
    let members = c.members();
    let cn = &clustered.netlist;
    let entries: Vec<ClusterEntry> = members
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let node = clustered.cluster_node[k] as usize;
            ClusterEntry {
                name: &cn.node_name()[node],
                area: cn.node_width()[node] * cn.node_height()[node],
                x: clustered.placement.x[node],
                y: clustered.placement.y[node],
                cells: m
                    .iter()
                    .map(|&n| d.netlist.node_name()[n as usize].as_str())
                    .collect(),
            }
        })
        .collect();
    let json = ClustersJson {
        design: d.netlist.design(),
        netlist: input.netlist.display().to_string(),
        seed,
        options: args.options(seed, c.stats.cells)?,
        stats: &c.stats,
        placement_used: informative,
        clusters: entries,
    };
    let nl: PathBuf = out.join("netlist.pb.txt");
    netlists::ct::write_ct(&nl, cn, &clustered.placement)
        .with_context(|| format!("writing {}", nl.display()))?;
    let plc = out.join("initial.plc");
    let header = vec![
        (
            "macroplace clusters".to_string(),
            c.num_clusters.to_string(),
        ),
        ("macroplace seed".to_string(), seed.to_string()),
    ];
    netlists::plc::write_plc(&plc, cn, &clustered.placement, &header)
        .with_context(|| format!("writing {}", plc.display()))?;
    let cj = out.join("clusters.json");
    netlists::io::write_atomic(&cj, |w| {
        serde_json::to_writer_pretty(&mut *w, &json).map_err(std::io::Error::other)?;
        writeln!(w)
    })
    .with_context(|| format!("writing {}", cj.display()))?;
    set.commit()?;
    let out = shown;
    let s = &c.stats;
    println!("design           {}", d.netlist.design());
    println!(
        "clusters         {} ({} partitions, {} broken up{})",
        s.clusters,
        s.partitions,
        s.broken_up,
        if informative {
            ""
        } else {
            "; no input placement: no break-up"
        }
    );
    println!("std cells        {}", s.cells);
    println!(
        "graph            {} vertices, {} edges",
        s.graph_vertices, s.graph_edges
    );
    println!(
        "cut              {} nets (weight {})",
        s.cut_nets, s.cut_weight
    );
    println!("largest cluster  {:.2} × the mean area", s.max_area_ratio);
    println!("time             {:.3} s", s.seconds);
    println!("wrote {}", out.display());
    Ok(())
}
