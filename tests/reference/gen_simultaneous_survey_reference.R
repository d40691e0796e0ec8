# Reference values for tally's design-based simultaneous intervals (src/stats/simultaneous.rs)
# from R `survey`: for every domain of every design, the intervals of all k outcome levels
# that hold together at `level`.
#
# Run from the repository root (after gen_survey_reference.R, whose designs it reads):
#   Rscript tests/reference/gen_simultaneous_survey_reference.R
# Reads, in tests/reference/: survey_designs.csv and survey_4000.csv (the respondents of
# survey_reference.csv). Writes simultaneous_survey_reference.csv:
#   design,domain,outcome,k,level,quantity,value (%.17g)
# Versions and tolerance: simultaneous_survey_reference.versions.txt.
#
# Methods (k levels, alpha = 1 - level, each level's interval at 1 - alpha/k):
#   bonferroni  svyciprop(~y, subset design, method = m, level = 1 - alpha/k), y the 0/1
#               indicator of the level, for m in logit, asin, beta, mean, xlogit; and the
#               Jeffreys closed form on Korn and Graubard's n* (as in gen_survey_reference.R;
#               not in survey), all at 1 - alpha/k.
#   goodman     Goodman's formula (Goodman 1965) on Korn and Graubard's effective n, closed
#               form from svymean's p and SE and degf of the subset design (not in survey):
#                 n* = p (1 - p) / v * (qt(alpha/(2k), n - 1) / qt(alpha/(2k), df))^2
#                 c  = qchisq(1 - alpha/k, 1)
#                 [2 n* p + c -/+ sqrt(c (c + 4 n* p (1 - p)))] / (2 (n* + c))
# At p = 0 or 1 svyciprop gives NaN or the output of a non-converged fit. Written there
# instead: NaN for the Wald-type methods (logit, asin, mean, xlogit: tally gives no interval
# on a degenerate scale), and for the effective-n methods (beta, jeffreys, goodman) tally's
# stated convention, the design effect taken as 1, n* = n (t_{n-1}/t_df)^2 (NCHS, Parker et
# al. 2017), in the same closed forms. A domain with df 0 (one PSU) gives NaN throughout.
suppressMessages(library(survey))
options(warn = 1)
here <- "tests/reference"

syn <- read.csv(file.path(here, "survey_designs.csv"), stringsAsFactors = FALSE)
s4 <- read.csv(file.path(here, "survey_4000.csv"), stringsAsFactors = FALSE)
s4$domain <- paste(s4$treatment, s4$provider, sep = "/")
syn_of <- function(nm) syn[syn$design == nm, ]
designs <- list(
  s4000_weighted = svydesign(ids = ~1, weights = ~weight, data = s4),
  weighted100 = svydesign(ids = ~1, weights = ~weight, data = syn_of("weighted100")),
  stratified = svydesign(ids = ~1, strata = ~stratum, fpc = ~fpc, weights = ~weight,
                         data = syn_of("stratified")),
  clustered = svydesign(ids = ~psu, weights = ~weight, data = syn_of("clustered")),
  stratclus = svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~weight,
                        data = syn_of("stratclus")))
options(survey.lonely.psu = "fail")

res <- list()
put <- function(design, domain, outcome, k, level, quantity, value) {
  res[[length(res) + 1]] <<- data.frame(design = design, domain = domain, outcome = outcome,
    k = k, level = level, quantity = quantity,
    value = sprintf("%.17g", as.numeric(value)), stringsAsFactors = FALSE)
}
ci <- function(d, method, level) {
  r <- tryCatch(suppressWarnings(attr(svyciprop(~y, d, method = method, level = level), "ci")),
                error = function(e) c(NaN, NaN))
  as.numeric(r)
}
levels_of <- function(des) sort(unique(des$variables$outcome))
domains_of <- function(des) {
  k <- sort(unique(des$variables$domain))
  tops <- unique(sub("/.*", "", k[grepl("/", k)]))
  c("(all)", sort(tops), k)
}
in_domain <- function(des, dn) {
  k <- des$variables$domain
  if (dn == "(all)") rep(TRUE, length(k)) else k == dn | startsWith(k, paste0(dn, "/"))
}
for (dname in names(designs)) {
  des <- designs[[dname]]
  lv <- levels_of(des); K <- length(lv)
  for (dn in domains_of(des)) {
    sd <- des[in_domain(des, dn), ]
    for (j in lv) {
      sd$variables$y <- as.numeric(sd$variables$outcome == j)
      m <- svymean(~y, sd)
      p <- coef(m)[[1]]; v <- vcov(m)[[1]]
      n <- nrow(sd); df <- degf(sd)
      put(dname, dn, j, K, "", "n", n)
      put(dname, dn, j, K, "", "p", p)
      put(dname, dn, j, K, "", "se", sqrt(v))
      put(dname, dn, j, K, "", "df", df)
      edge <- p == 0 || p == 1
      for (level in c(0.95, 0.9)) {
        a <- (1 - level) / K          # each level's alpha
        L <- 1 - a                     # each level's confidence
        nstar <- if (df < 1) NaN else
          (if (edge) n else p * (1 - p) / v) * (qt(a / 2, n - 1) / qt(a / 2, df))^2
        put(dname, dn, j, K, level, "n_eff", nstar)
        for (meth in c("logit", "asin", "beta", "mean", "xlogit")) {
          r <- if (df < 1) c(NaN, NaN)
               else if (edge && meth != "beta") c(NaN, NaN)
               else if (edge && p == 0) c(0, qbeta(1 - a / 2, 1, nstar))
               else if (edge) c(qbeta(a / 2, nstar, 1), 1)
               else ci(sd, meth, L)
          put(dname, dn, j, K, level, paste0(meth, "_lower"), r[1])
          put(dname, dn, j, K, level, paste0(meth, "_upper"), r[2])
        }
        x <- p * nstar
        put(dname, dn, j, K, level, "jeffreys_lower",
            if (is.nan(nstar)) NaN else if (p == 0) 0 else qbeta(a / 2, x + 0.5, nstar - x + 0.5))
        put(dname, dn, j, K, level, "jeffreys_upper",
            if (is.nan(nstar)) NaN else if (p == 1) 1 else qbeta(1 - a / 2, x + 0.5, nstar - x + 0.5))
        cc <- qchisq(1 - a, 1)
        root <- sqrt(cc * (cc + 4 * nstar * p * (1 - p)))
        put(dname, dn, j, K, level, "goodman_lower",
            max(0, (2 * nstar * p + cc - root) / (2 * (nstar + cc))))
        put(dname, dn, j, K, level, "goodman_upper",
            min(1, (2 * nstar * p + cc + root) / (2 * (nstar + cc))))
      }
    }
  }
}
out <- do.call(rbind, res)
write.csv(out, file.path(here, "simultaneous_survey_reference.csv"), row.names = FALSE,
          quote = FALSE)
cat("wrote", nrow(out), "rows\n")
