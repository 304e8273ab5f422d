work_dir = './work_dirs/{{fileBasenameNoExtension}}'
name = '{{ fileBasename }}'
ext = '{{fileExtname}}'
here = '{{fileDirname}}/data'
