# Reference values for tally's calibration of weights to known population margins
# (src/stats/survey/calibrate.rs, [weighting] in a pipeline) from R `survey`.
#
# Run from the repository root:
#   Rscript tests/reference/gen_calibration_reference.R
# Reads survey_4000.csv (a copy of ../shared/bench/fixtures/survey_4000.csv) and writes, in
# tests/reference/:
#   calibration_4000.csv        survey_4000.csv with a `psu` column (8 synthetic clusters per
#                               region, deterministic) for the stratified cluster design
#   calibration_reference.csv   design,method,domain,outcome,quantity,value (%.17g)
# Versions and tolerances: calibration_reference.versions.txt.
#
# The population margins are ILLUSTRATIVE (round numbers, not from a registry); they are
# stated in this script, in the Rust tests and in pipelines/raked-survey.toml alike.
suppressMessages(library(survey))
options(warn = 1)
here <- "tests/reference"

s4 <- read.csv(file.path(here, "survey_4000.csv"), stringsAsFactors = FALSE)
# 8 clusters per region, by respondent id: the k-th respondent of a region (in id order) is in
# cluster k %% 8.
s4 <- s4[order(s4$respondent_id), ]
s4$psu <- ave(s4$respondent_id, s4$region, FUN = function(x) (seq_along(x) - 1) %% 8 + 1)
s4$psu <- paste0(s4$region, "-", s4$psu)
write.csv(s4, file.path(here, "calibration_4000.csv"), row.names = FALSE, na = "")
s4$domain <- paste(s4$treatment, s4$provider, sep = "/")

# The margins, as shares, in the order the pipeline lists their levels (R's factor levels are
# set to that order, so that the first level is the one the model matrix leaves out).
shares <- list(
  sex = c(female = 0.75, male = 0.22, other = 0.03),
  severity = c(mild = 0.25, moderate = 0.50, severe = 0.25),
  age_band = c(`18-29` = 0.12, `30-39` = 0.20, `40-49` = 0.25, `50-59` = 0.23, `60+` = 0.20)
)
for (v in names(shares)) s4[[v]] <- factor(s4[[v]], levels = names(shares[[v]]))

designs <- list(
  # ids = ~1 with the survey's weights; population total = the sample's Σw (no `population`).
  element = list(des = svydesign(ids = ~1, weights = ~weight, data = s4), N = NA),
  # a self-selected sample: unit base weights; population total 250,000.
  unit = list(des = svydesign(ids = ~1, weights = ~rep(1, nrow(s4)), data = s4), N = 250000),
  # stratified cluster sample: strata = region, 8 PSUs each; population total 250,000.
  stratclus = list(des = svydesign(ids = ~psu, strata = ~region, weights = ~weight, data = s4),
                   N = 250000)
)

res <- list()
put <- function(design, method, domain, outcome, quantity, value) {
  res[[length(res) + 1]] <<- data.frame(design = design, method = method, domain = domain,
    outcome = outcome, quantity = quantity, value = sprintf("%.17g", as.numeric(value)),
    stringsAsFactors = FALSE)
}
margin_df <- function(v, N) {
  d <- data.frame(names(shares[[v]]), as.vector(shares[[v]]) * N)
  names(d) <- c(v, "Freq")
  d[[v]] <- factor(d[[v]], levels = names(shares[[v]]))
  d
}
totals_of <- function(vars, N) {
  # calibrate()'s population: (Intercept) then each margin's levels but the first.
  t <- c(`(Intercept)` = N)
  for (v in vars) {
    s <- shares[[v]][-1] * N
    names(s) <- paste0(v, names(s))
    t <- c(t, s)
  }
  t
}
calibrations <- function(des, N) {
  if (is.na(N)) N <- sum(weights(des))
  three <- c("sex", "severity", "age_band")
  cross <- expand.grid(sex = names(shares$sex), severity = names(shares$severity))
  cross$Freq <- shares$sex[cross$sex] * shares$severity[cross$severity] * N
  cross$sex <- factor(cross$sex, levels = names(shares$sex))
  cross$severity <- factor(cross$severity, levels = names(shares$severity))
  f3 <- ~sex + severity + age_band
  list(
    poststratify = postStratify(des, ~sex + severity, cross),
    rake = rake(des, list(~sex, ~severity, ~age_band), lapply(three, margin_df, N = N)),
    linear = calibrate(des, f3, totals_of(three, N)),
    linear_bounded = calibrate(des, f3, totals_of(three, N), calfun = "linear",
                               bounds = c(0.6, 1.6)),
    raking = calibrate(des, f3, totals_of(three, N), calfun = "raking"),
    logit = calibrate(des, f3, totals_of(three, N), calfun = "logit", bounds = c(0.4, 2.5)),
    rake_trim = trimWeights(rake(des, list(~sex, ~severity, ~age_band),
                                 lapply(three, margin_df, N = N)),
                            lower = 0.4 * N / nrow(des), upper = 2 * N / nrow(des))
  )
}
domains <- c("(all)", sort(unique(s4$treatment)), sort(unique(s4$domain)))
in_domain <- function(des, dn) {
  k <- des$variables$domain
  if (dn == "(all)") rep(TRUE, length(k)) else k == dn | startsWith(k, paste0(dn, "/"))
}
levels_all <- sort(unique(s4$outcome))
for (dname in names(designs)) {
  D <- designs[[dname]]
  cals <- calibrations(D$des, D$N)
  for (mname in names(cals)) {
    cd <- cals[[mname]]
    w <- weights(cd)
    put(dname, mname, "(all)", "", "weight_min", min(w))
    put(dname, mname, "(all)", "", "weight_max", max(w))
    put(dname, mname, "(all)", "", "sum_w", sum(w))
    put(dname, mname, "(all)", "", "kish_deff", length(w) * sum(w^2) / sum(w)^2)
    for (v in names(shares)) {
      tab <- svytable(as.formula(paste0("~", v)), cd)
      for (l in names(tab)) put(dname, mname, "(all)", "", paste0("total_", v, "=", l), tab[[l]])
    }
    for (dn in domains) {
      sd <- cd[in_domain(cd, dn), ]
      for (k in levels_all) {
        sd$variables$y <- as.numeric(sd$variables$outcome == k)
        m <- svymean(~y, sd, deff = "replace")
        put(dname, mname, dn, k, "p", coef(m)[[1]])
        put(dname, mname, dn, k, "se", sqrt(vcov(m)[[1]]))
        put(dname, mname, dn, k, "deff", deff(m)[[1]])
        put(dname, mname, dn, k, "df", degf(sd))
        put(dname, mname, dn, k, "sum_w", sum(weights(sd)))
        r <- tryCatch(suppressWarnings(attr(svyciprop(~y, sd, method = "beta"), "ci")),
                      error = function(e) c(NaN, NaN))
        put(dname, mname, dn, k, "beta_lower", r[[1]])
        put(dname, mname, dn, k, "beta_upper", r[[2]])
      }
    }
    # The Rao-Scott test of provider by outcome within each treatment (the blank outcome a
    # level of its own), svychisq on the subset of the calibrated design. On a calibrated
    # design subset() keeps every row (zero weight outside the domain), so svychisq's
    # nu = #PSUs - #strata is the whole design's, not the domain's.
    for (t in sort(unique(s4$treatment))) {
      sd <- cd[cd$variables$treatment == t, ]
      f <- svychisq(~provider + outcome, sd, statistic = "F")
      ch <- svychisq(~provider + outcome, sd, statistic = "Chisq")
      put(dname, mname, t, "", "rs_f", f$statistic)
      put(dname, mname, t, "", "rs_f_ndf", f$parameter[["ndf"]])
      put(dname, mname, t, "", "rs_f_ddf", f$parameter[["ddf"]])
      put(dname, mname, t, "", "rs_f_p", f$p.value)
      # "Chisq" reports Pearson's X^2 of the weighted table as its statistic; its p-value is
      # that of X^2 / mean(delta) on (r-1)(c-1) df.
      put(dname, mname, t, "", "rs_pearson", ch$statistic)
      put(dname, mname, t, "", "rs_chisq_df", ch$parameter[["df"]])
      put(dname, mname, t, "", "rs_chisq_p", ch$p.value)
    }
    # The difference specialist - non_specialist within each treatment, as tally's
    # design-based comparisons give it (svyby(covmat = TRUE) + svycontrast). survey 4.1.1's
    # svyby(covmat = TRUE) fails on a subset of a calibrated design ("number of items to
    # replace"), so the two domain means are taken as ratios of the whole design, with their
    # covariance: svyratio(~z1 + z2, ~d1 + d2, covmat = TRUE), z = y d.
    for (t in sort(unique(s4$treatment))) {
      for (k in levels_all) {
        v <- cd$variables
        d1 <- as.numeric(v$treatment == t & v$provider == "non_specialist")
        d2 <- as.numeric(v$treatment == t & v$provider == "specialist")
        y <- as.numeric(v$outcome == k)
        cd2 <- update(cd, d1 = d1, d2 = d2, z1 = y * d1, z2 = y * d2)
        r <- svyratio(~z1 + z2, ~d1 + d2, cd2, covmat = TRUE)
        b <- coef(r); V <- vcov(r)
        a1 <- "z1/d1"; a2 <- "z2/d2"
        put(dname, mname, t, k, "diff", b[[a2]] - b[[a1]])
        se <- sqrt(V[a1, a1] + V[a2, a2] - 2 * V[a1, a2])
        put(dname, mname, t, k, "diff_se", se)
        # The Wald interval on the design df of the two groups together (degf of the subset).
        q <- qt(0.975, degf(cd[cd$variables$treatment == t, ]))
        put(dname, mname, t, k, "diff_lower", b[[a2]] - b[[a1]] - q * se)
        put(dname, mname, t, k, "diff_upper", b[[a2]] - b[[a1]] + q * se)
      }
    }
  }
}
## ---------------------------------------------------------------- the example pipeline
# pipelines/raked-survey.toml: the element design raked as above, blank outcomes excluded
# from each analysis's denominator (they stay in the design with zero weight in the domain,
# as subset() keeps them in a calibrated design).
ex <- calibrations(designs$element$des, NA)$rake
for (t in sort(unique(s4$treatment))) {
  for (g in c("(all)", "non_specialist", "specialist")) {
    keep <- ex$variables$treatment == t & ex$variables$outcome != "" &
      (g == "(all)" | ex$variables$provider == g)
    sd <- ex[keep, ]
    dn <- if (g == "(all)") t else paste0(t, "/", g)
    for (k in setdiff(levels_all, "")) {
      sd$variables$y <- as.numeric(sd$variables$outcome == k)
      m <- svymean(~y, sd)
      put("example", "rake", dn, k, "p", coef(m)[[1]])
      put("example", "rake", dn, k, "se", sqrt(vcov(m)[[1]]))
      put("example", "rake", dn, k, "df", degf(sd))
      put("example", "rake", dn, k, "sum_w", sum(weights(sd)))
      r <- attr(svyciprop(~y, sd, method = "beta"), "ci")
      put("example", "rake", dn, k, "beta_lower", r[[1]])
      put("example", "rake", dn, k, "beta_upper", r[[2]])
    }
  }
}
v <- ex$variables
d1 <- as.numeric(v$treatment == "GET" & v$provider == "non_specialist" & v$outcome != "")
d2 <- as.numeric(v$treatment == "GET" & v$provider == "specialist" & v$outcome != "")
y <- as.numeric(v$outcome == "worsened")
ex2 <- update(ex, d1 = d1, d2 = d2, z1 = y * d1, z2 = y * d2)
r <- svyratio(~z1 + z2, ~d1 + d2, ex2, covmat = TRUE)
b <- coef(r); V <- vcov(r)
put("example", "rake", "GET", "worsened", "diff", b[["z2/d2"]] - b[["z1/d1"]])
put("example", "rake", "GET", "worsened", "diff_se",
    sqrt(V["z1/d1", "z1/d1"] + V["z2/d2", "z2/d2"] - 2 * V["z1/d1", "z2/d2"]))

out <- do.call(rbind, res)
write.csv(out, file.path(here, "calibration_reference.csv"), row.names = FALSE, quote = TRUE)
cat(nrow(out), "rows\n")
