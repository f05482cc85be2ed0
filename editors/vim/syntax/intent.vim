" Vim syntax file
" Language: meshward intent files (*.intent); see docs/language.md.
" The keyword lists equal src/parse/keywords.rs and the HTTP methods the checker
" accepts; tests/editors.rs fails when they differ.

if exists('b:current_syntax')
  finish
endif

" Keywords and names may hold `-` (`per-try`, `kube-system`).
syn iskeyword @,48-57,_,-
syn case match

syn keyword intentStatement service mesh account selector port mtls allow calls route timeout retries per-try on split trust-domain cluster-domain istiod dns scraper workload host cidr cluster-cidrs sidecar-scoping sync-waves dry-run network dataplane waypoint cluster pod-cidrs gateway eastwest clusters deny when and header claim jwt issuer jwks match connections pending requests eject errors every for max
syn keyword intentReserved in to namespace anyone external
syn keyword intentMethod GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH
syn keyword intentProtocol http http2 grpc tcp tls contained
syn keyword intentMtlsMode strict permissive contained

" Later rules win where several match at the same place.
syn match intentNumber '\<\d\+\>'
syn match intentDuration '\<\d\+\(ms\|s\|m\|h\)\>'
syn match intentPercentage '\<\d\+%'
syn match intentPath '\%(^\|[[:space:],|]\)\zs[/*][^[:space:],{}#]*'
syn match intentAnyMethod '\%(^\|\s\)\zs\*\ze\s'
syn match intentLabel '[A-Za-z0-9_./-]\+=[A-Za-z0-9_.-]*' contains=intentLabelEquals
syn match intentLabelEquals '=' contained
syn match intentServiceName '\%(\<\%(service\|workload\)\s\+\)\@<=[A-Za-z0-9_-]\+'
syn match intentNamespace '\%(\<\%(in\|namespace\|istiod\|dns\)\s\+\)\@<=[A-Za-z0-9_-]\+'
syn match intentProtocolSep '\%(\d\)\@<=/' nextgroup=intentProtocol
syn match intentMtls '\<mtls\s\+\a\+' contains=intentStatement,intentMtlsMode
syn match intentDomain '\%(\<\%(trust-domain\|cluster-domain\)\s\+\)\@<=[A-Za-z0-9_.-]\+'
syn match intentAddress '\%(\<\%(host\|cidr\|cluster-cidrs\)\s\+\%([^[:space:],{}#]\+\s*,\s*\)*\)\@<=[^[:space:],{}#]\+'
syn match intentConditionName '\%(\<\%(header\|claim\)\s\+\)\@<=[^[:space:]=!,{}#]\+'
syn match intentComparison '!\?=\%(\s\)\@='
syn match intentUrl '\%(\<\%(issuer\|jwks\)\s\+\)\@<=[^[:space:],{}#]\+'
syn match intentPunctuation '[{},:|]'
syn match intentComment '#.*$' contains=@Spell

hi def link intentComment Comment
hi def link intentStatement Keyword
hi def link intentReserved Operator
hi def link intentMethod Constant
hi def link intentAnyMethod Constant
hi def link intentProtocol Type
hi def link intentMtlsMode Constant
hi def link intentNumber Number
hi def link intentDuration Number
hi def link intentPercentage Number
hi def link intentPath String
hi def link intentLabel Identifier
hi def link intentLabelEquals Delimiter
hi def link intentServiceName Function
hi def link intentNamespace Identifier
hi def link intentDomain String
hi def link intentProtocolSep Delimiter
hi def link intentAddress String
hi def link intentPunctuation Delimiter
hi def link intentConditionName Identifier
hi def link intentComparison Operator
hi def link intentUrl String

let b:current_syntax = 'intent'
