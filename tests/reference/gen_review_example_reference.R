# Reference values for the shipped example review (pipelines/review-get-harm.toml), from
# metafor, on the exact rows of data/review-get-harm.csv: logit (PLO), REML, Hartung-Knapp
# (test = "knha"), as the pipeline asks; the prediction interval, the Q-profile intervals of
# tau² and I², the split by `subgroup` (each subgroup its own tau², as meta::metaprop's
# default, and the test of subgroup differences as the Q of the subgroup estimates,
# rma(yi = est, sei = se, method = "EE")), and the binomial-normal GLMM (rma.glmm, ML).
#
#   Rscript tests/reference/gen_review_example_reference.R   (from the repository root)
#
# Writes tests/reference/review_example_reference.csv (scope, quantity, value; 17 significant
# digits) and review_example_reference.versions.txt. Read by tests/it/cli/review.rs.
suppressMessages({ library(metafor); library(lme4) })
out_dir <- "tests/reference"
d <- read.csv("data/review-get-harm.csv", stringsAsFactors = FALSE)
ctl <- list(threshold = 1e-14, maxiter = 10000, tol = 1e-15, ll0check = FALSE)

rows <- list()
put <- function(scope, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(scope = scope, quantity = quantity,
                                          value = sprintf("%.17g", as.numeric(value)))
}
es <- escalc("PLO", xi = d$x, ni = d$n, add = 1/2, to = "only0")
fit <- function(scope, data) {
  res <- rma(yi, vi, data = data, method = "REML", test = "knha", control = ctl)
  p <- predict(res, transf = transf.ilogit)
  put(scope, "estimate", res$beta[1])
  put(scope, "se", res$se)
  put(scope, "pval", res$pval)
  put(scope, "prop.estimate", p$pred)
  put(scope, "prop.ci.lb", p$ci.lb)
  put(scope, "prop.ci.ub", p$ci.ub)
  put(scope, "prop.pi.lb", p$pi.lb)
  put(scope, "prop.pi.ub", p$pi.ub)
  put(scope, "tau2", res$tau2)
  put(scope, "QE", res$QE)
  put(scope, "QEp", res$QEp)
  put(scope, "I2", res$I2)
  put(scope, "H2", res$H2)
  if (scope == "all") {
    ci <- confint(res, control = list(tol = 1e-14))$random
    put(scope, "tau2.lb", ci["tau^2", "ci.lb"])
    put(scope, "tau2.ub", ci["tau^2", "ci.ub"])
    put(scope, "I2.lb", ci["I^2(%)", "ci.lb"])
    put(scope, "I2.ub", ci["I^2(%)", "ci.ub"])
    w <- weights(res)
    for (i in seq_along(w)) put(scope, paste0("weight.", i), w[i])
  }
  res
}
invisible(fit("all", es))
groups <- unique(d$subgroup)
fits <- lapply(groups, function(g) fit(paste("subgroup:", g), es[d$subgroup == g, ]))
qb <- rma(yi = sapply(fits, function(f) f$beta[1]), sei = sapply(fits, function(f) f$se),
          method = "EE")
put("between subgroups", "QB", qb$QE)
put("between subgroups", "QBp", qb$QEp)

glmm_ctl <- list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-12,
                                  optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
g <- tryCatch(rma.glmm(measure = "PLO", xi = d$x, ni = d$n, method = "ML", control = glmm_ctl),
              error = function(e) rma.glmm(measure = "PLO", xi = d$x, ni = d$n, method = "ML"))
gp <- predict(g, transf = transf.ilogit)
put("glmm", "estimate", g$beta[1])
put("glmm", "se", g$se)
put("glmm", "tau2", g$tau2)
put("glmm", "prop.estimate", gp$pred)

out <- do.call(rbind, rows)
write.csv(out, file.path(out_dir, "review_example_reference.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(
  "command: Rscript tests/reference/gen_review_example_reference.R (from the repository root)",
  paste("date:", format(Sys.Date())),
  paste("R:", R.version.string),
  paste("metafor:", as.character(packageVersion("metafor"))),
  paste("lme4:", as.character(packageVersion("lme4"))),
  paste("input: data/review-get-harm.csv,", nrow(d), "surveys; rows:", nrow(out)),
  "controls: as gen_meta_reference.R (rma threshold 1e-14, tol 1e-15; confint tol 1e-14; rma.glmm bobyqa, tolPwrss 1e-12, rhoend 1e-12)",
  "tolerance (tests/it/cli/review.rs, scaled by max(1, |value|)): 1e-9 for rma, predict, confint and the subgroup test; GLMM estimate and tau2 1e-6, se 1e-5 (as meta_reference.versions.txt)"
), file.path(out_dir, "review_example_reference.versions.txt"))
