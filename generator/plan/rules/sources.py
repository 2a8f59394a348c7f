"""Where each immutability rule comes from: one constant per Go function it is written from
(not copied), so a reader can open the same code.

kubernetes/kubernetes is 1.9 GB and could not be fetched whole: its files were read at the one
commit a source index holds (named in each constant); the version history comes from
kubernetes/apimachinery and kubernetes/api, read at the tags kubernetes-1.25.0 .. 1.36.0 and
v0.37.0-beta.0, and from the merged pull requests named. A boundary that neither settles is
marked verified=False on the rule.
"""

from __future__ import annotations

STATEFULSET = ("kubernetes/kubernetes pkg/apis/apps/validation/validation.go:ValidateStatefulSetUpdate "
               "(read at 2dd1588c, a 1.28-era version; history from PRs #112744, #116027, issue #130263)")
SELECTOR = ("kubernetes/kubernetes pkg/registry/apps/deployment/strategy.go:deploymentStrategy.ValidateUpdate "
            "(selector immutable for every group/version but extensions/v1beta1, apps/v1beta1); same pattern "
            "in daemonset/ and replicaset/")
OBJECTMETA = ("kubernetes/apimachinery pkg/api/validation/objectmeta.go:ValidateObjectMetaAccessorUpdate "
              "(identical kubernetes-1.25.0..1.36.0; v0.37.0-beta.0 only marks the checks as declarative)")
SERVICE = ("kubernetes/kubernetes pkg/apis/core/validation/validation.go:ValidateServiceUpdate, "
           "validateUpgradeDowngradeClusterIPs, validateUpgradeDowngradeIPFamilies, validateLoadBalancerClassField, "
           "validateServiceExternalTrafficFieldsUpdate (read at a7264f95)")
PVC = ("kubernetes/kubernetes pkg/apis/core/validation/validation.go:ValidatePersistentVolumeClaimUpdate "
       "(read at a7264f95)")
PVC_RESIZE = ("kubernetes/kubernetes plugin/pkg/admission/storage/persistentvolume/resize/admission.go:"
              "persistentVolumeClaimResize.Validate / allowResize (an admission plugin, not validation)")
CONFIGMAP = "kubernetes/kubernetes pkg/apis/core/validation/validation.go:ValidateConfigMapUpdate (read at a7264f95)"
SECRET = "kubernetes/kubernetes pkg/apis/core/validation/validation.go:ValidateSecretUpdate (read at a7264f95)"
JOB = ("kubernetes/kubernetes pkg/apis/batch/validation/validation.go:ValidateJobSpecUpdate, "
       "validatePodTemplateUpdate, validateCompletions (a 1.31+ stored version)")
PDB = ("kubernetes/kubernetes PR #69867 (1.15): ValidatePodDisruptionBudgetUpdate's 'updates to "
       "poddisruptionbudget spec are forbidden.' removed; PDB spec mutable in every supported version")
NETPOL = ("kubernetes/kubernetes pkg/apis/networking/validation/validation.go:ValidateNetworkPolicyUpdate "
          "(metadata + spec re-validated, nothing immutable)")
