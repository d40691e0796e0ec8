# Base-R values for the two-group / r x c / p.adjust reference files.
# Called by gen_compare_reference.py:  Rscript gen_compare_reference.R IN_DIR OUT_DIR [MULTINOMIALCI_R_DIR]
#   IN_DIR/grid2x2.csv   x1,n1,x2,n2                 (2x2 grid of compare_reference.csv)
#   IN_DIR/levels.csv    level
#   IN_DIR/rxc.csv       table_id,row,col,count
#   IN_DIR/padjust.csv   set_id,index,p
#   IN_DIR/sg.csv        table_id,category,count      (only used with MULTINOMIALCI_R_DIR)
# Writes OUT_DIR/r_2x2.csv, r_fisher_ci.csv, r_rxc.csv, r_padjust.csv [, r_sg.csv].
# The R values ARE the reference for tests2x2 (chisq, chisq-yates, fisher p), rxc and
# p.adjust; for the exact odds ratio they are only a (uniroot-limited) cross-check.
# All numbers are written with %.17g; NaN / NA / Inf as "NaN", "NA", "Inf".

args <- commandArgs(trailingOnly = TRUE)
in_dir <- args[1]
out_dir <- args[2]
mci_dir <- if (length(args) >= 3) args[3] else ""

f17 <- function(v) ifelse(is.na(v) & !is.nan(v), "NA", sprintf("%.17g", v))
TINY <- .Machine$double.xmin
grid <- read.csv(file.path(in_dir, "grid2x2.csv"))
levels <- read.csv(file.path(in_dir, "levels.csv"))$level

# ---------------------------------------------------------------- 2x2 tests
q <- function(expr) suppressWarnings(tryCatch(expr, error = function(e) NULL))
rows <- character(0)
for (i in seq_len(nrow(grid))) {
  x1 <- grid$x1[i]; n1 <- grid$n1[i]; x2 <- grid$x2[i]; n2 <- grid$n2[i]
  tab <- matrix(c(x1, x2, n1 - x1, n2 - x2), 2)   # rows = groups, cols = success/failure
  c0 <- q(chisq.test(tab, correct = FALSE))
  c1 <- q(chisq.test(tab, correct = TRUE))
  p0 <- q(prop.test(c(x1, x2), c(n1, n2), correct = FALSE))
  p1 <- q(prop.test(c(x1, x2), c(n1, n2), correct = TRUE))
  fi <- fisher.test(tab)
  g <- function(r, what) if (is.null(r)) NA else unname(r[[what]])
  rows <- c(rows, paste(x1, n1, x2, n2,
                        f17(g(c0, "statistic")), f17(g(c0, "p.value")),
                        f17(g(c1, "statistic")), f17(g(c1, "p.value")),
                        f17(g(p0, "statistic")), f17(g(p0, "p.value")),
                        f17(g(p1, "statistic")), f17(g(p1, "p.value")),
                        f17(fi$p.value), sep = ","))
}
writeLines(c("x1,n1,x2,n2,chisq_stat,chisq_p,yates_stat,yates_p,prop_stat,prop_p,propcc_stat,propcc_p,fisher_p",
             rows), file.path(out_dir, "r_2x2.csv"))

# ---------------------------------------------------------------- fisher.test estimate / CI
# peer "r-fisher.test": R's own output (uniroot, default tol ~1.2e-4)
# peer "r-dnhyper-tight": the same algorithm as fisher.test (dhyper weights), but with
#   uniroot(tol = double.xmin) on the log scale, to separate algorithm from tolerance.
tight <- function(x1, n1, x2, n2, level) {
  m <- x1 + x2; n <- n1 + n2 - m; k <- n1; x <- x1
  lo <- max(0L, k - n); hi <- min(k, m)
  support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dn <- function(s) { d <- logdc + s * support; d <- exp(d - max(d)); d / sum(d) }
  mn <- function(s) sum(support * dn(s))
  pn <- function(s, upper) { d <- dn(s); if (upper) sum(d[support >= x]) else sum(d[support <= x]) }
  a <- (1 - level) / 2
  br <- function(f) {  # bracket a decreasing/increasing f in s = log(t) around 0
    lo_s <- -1; hi_s <- 1
    while (sign(f(lo_s)) == sign(f(hi_s))) { lo_s <- lo_s * 2; hi_s <- hi_s * 2 }
    uniroot(f, c(lo_s, hi_s), tol = TINY, maxiter = 100000)$root
  }
  est <- if (x == lo) 0 else if (x == hi) Inf else exp(br(function(s) mn(s) - x))
  L <- if (x == lo) 0 else exp(br(function(s) pn(s, TRUE) - a))
  U <- if (x == hi) Inf else exp(br(function(s) pn(s, FALSE) - a))
  c(est, L, U)
}
rows <- character(0)
for (i in seq_len(nrow(grid))) {
  x1 <- grid$x1[i]; n1 <- grid$n1[i]; x2 <- grid$x2[i]; n2 <- grid$n2[i]
  tab <- matrix(c(x1, x2, n1 - x1, n2 - x2), 2)
  for (level in levels) {
    fi <- fisher.test(tab, conf.level = level)
    rows <- c(rows, paste("r-fisher.test", x1, n1, x2, n2, sprintf("%.17g", level),
                          f17(unname(fi$estimate)), f17(fi$conf.int[1]), f17(fi$conf.int[2]), sep = ","))
    if (n1 + n2 <= 300000) {
      v <- tight(x1, n1, x2, n2, level)
      rows <- c(rows, paste("r-dnhyper-tight", x1, n1, x2, n2, sprintf("%.17g", level),
                            f17(v[1]), f17(v[2]), f17(v[3]), sep = ","))
    }
  }
}
writeLines(c("peer,x1,n1,x2,n2,level,estimate,lower,upper", rows), file.path(out_dir, "r_fisher_ci.csv"))

# ---------------------------------------------------------------- r x c
rxc <- read.csv(file.path(in_dir, "rxc.csv"))
rows <- character(0)
for (id in unique(rxc$table_id)) {
  d <- rxc[rxc$table_id == id, ]
  tab <- matrix(0, max(d$row), max(d$col))
  tab[cbind(d$row, d$col)] <- d$count
  ct <- suppressWarnings(chisq.test(tab, correct = FALSE))
  E <- ct$expected
  G <- 2 * sum(ifelse(tab > 0, tab * log(tab / E), 0))
  df <- unname(ct$parameter)
  V <- sqrt(unname(ct$statistic) / (sum(tab) * (min(dim(tab)) - 1)))
  add <- function(qn, r, c, v) rows <<- c(rows, paste(id, qn, r, c, f17(v), sep = ","))
  add("pearson_statistic", "", "", unname(ct$statistic))
  add("pearson_df", "", "", df)
  add("pearson_p", "", "", ct$p.value)
  add("g_statistic", "", "", G)
  add("g_p", "", "", pchisq(G, df, lower.tail = FALSE))
  add("cramers_v", "", "", V)
  for (r in seq_len(nrow(tab))) for (c in seq_len(ncol(tab))) add("stdres", r, c, ct$stdres[r, c])
}
writeLines(c("table_id,quantity,row,col,value", rows), file.path(out_dir, "r_rxc.csv"))

# ---------------------------------------------------------------- p.adjust
pa <- read.csv(file.path(in_dir, "padjust.csv"), colClasses = c("character", "integer", "character"))
rows <- character(0)
for (id in unique(pa$set_id)) {
  d <- pa[pa$set_id == id, ]
  p <- as.numeric(d$p)
  for (m in c("holm", "bonferroni", "BH")) {
    adj <- p.adjust(p, method = m)
    rows <- c(rows, paste(id, m, d$index, f17(adj), sep = ","))
  }
}
writeLines(c("set_id,method,index,adjusted", rows), file.path(out_dir, "r_padjust.csv"))

# ---------------------------------------------------------------- Sison-Glaz (MultinomialCI's own R code)
if (nzchar(mci_dir)) {
  for (f in list.files(mci_dir, pattern = "[.]R$", full.names = TRUE)) source(f)
  sg <- read.csv(file.path(in_dir, "sg.csv"))
  rows <- character(0)
  for (id in unique(sg$table_id)) {
    d <- sg[sg$table_id == id, ]
    for (level in levels) {
      m <- tryCatch(multinomialCI(d$count, 1 - level), error = function(e) NULL)
      if (is.null(m)) next
      for (j in seq_len(nrow(d)))
        rows <- c(rows, paste(id, sprintf("%.17g", level), d$category[j], f17(m[j, 1]), f17(m[j, 2]), sep = ","))
    }
  }
  writeLines(c("table_id,level,category,lower,upper", rows), file.path(out_dir, "r_sg.csv"))
}
cat(R.version.string, "\n")
