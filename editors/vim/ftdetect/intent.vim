" meshward intent files.
autocmd BufNewFile,BufRead *.intent setfiletype intent
